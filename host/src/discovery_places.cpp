#include "discovery_places.h"

#include "discovery.h"
#include "environment.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

// The data directory relative to the library directory (host/CMakeLists.txt
// computes it from CMAKE_INSTALL_FULL_LIBDIR and CMAKE_INSTALL_FULL_DATADIR).
#ifndef MTIA_LIBDIR_TO_DATADIR
#error "MTIA_LIBDIR_TO_DATADIR must be defined (host/CMakeLists.txt)"
#endif

namespace mtia::detail {

namespace {

constexpr const char* kPluginsSubdir = "/mtia/plugins.d";

bool absolute(const char* value) { return value != nullptr && value[0] == '/'; }

DiscoveryFolder userFolder(const LoadEnvironment& env) {
  DiscoveryFolder folder{"user", "", ""};
  if (secureExecution(env)) {
    folder.skipped = "skipped in a setuid/setgid (secure-execution) process";
    return folder;
  }
  const char* config = readVariable(env, "XDG_CONFIG_HOME");
  if (absolute(config)) {
    folder.directory = std::string(config) + kPluginsSubdir;
    return folder;
  }
  const char* home = readVariable(env, "HOME");
  if (!absolute(home)) {
    folder.skipped = "skipped: neither XDG_CONFIG_HOME nor HOME is an absolute path";
    return folder;
  }
  folder.directory = std::string(home) + "/.config" + kPluginsSubdir;
  return folder;
}

// Any address inside this library: dladdr() names the file it was loaded from.
const char kAnchor = 0;

DiscoveryFolder prefixFolder(const LoadEnvironment& env) {
  DiscoveryFolder folder{"prefix", env.prefix_plugins_dir, ""};
  if (!folder.directory.empty()) return folder;
  Dl_info info{};
  if (dladdr(&kAnchor, &info) == 0 || info.dli_fname == nullptr || info.dli_fname[0] == '\0') {
    folder.skipped = "skipped: the host library's own path is unknown (dladdr failed)";
    return folder;
  }
  const std::unique_ptr<char, decltype(&std::free)> library(realpath(info.dli_fname, nullptr),
                                                            &std::free);
  if (library == nullptr) {
    folder.skipped = "skipped: cannot resolve the host library's path '" +
                     std::string(info.dli_fname) + "'";
    return folder;
  }
  folder.directory = prefixPluginsDir(parentDirectory(library.get()), MTIA_LIBDIR_TO_DATADIR);
  return folder;
}

}  // namespace

std::string prefixPluginsDir(const std::string& library_dir, const std::string& libdir_to_datadir) {
  const std::filesystem::path data = std::filesystem::path(library_dir) / libdir_to_datadir;
  std::string dir = data.lexically_normal().string();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return (dir == "/" ? "" : dir) + kPluginsSubdir;
}

std::vector<DiscoveryFolder> discoveryFolders(const LoadEnvironment& env) {
  return {userFolder(env),
          {"system", env.system_plugins_dir.empty() ? "/etc/mtia/plugins.d" : env.system_plugins_dir,
           ""},
          prefixFolder(env)};
}

std::string folderDescription(const std::string& name, const std::string& directory) {
  return "the " + name + " plugins folder '" + directory + "'";
}

}  // namespace mtia::detail
