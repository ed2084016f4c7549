// discovery.h — where the plugin is: MTIA_PLUGIN_PATH or manifest discovery
// (the configure step), manifest or library, and the locate step's path checks.
#pragma once

#include <mtia/loader.h>

#include <sys/stat.h>

#include <string>

namespace mtia::detail {

inline constexpr const char* kPluginPathVariable = "MTIA_PLUGIN_PATH";
// The configure step's cause when secure-execution mode hides the variable.
inline constexpr const char* kIgnoredInSecureMode =
    "MTIA_PLUGIN_PATH is ignored in a setuid/setgid (secure-execution) process";

// The configure step's cause when MTIA_PLUGIN_PATH is set and empty.
inline constexpr const char* kDiscoveryDisabled =
    "MTIA_PLUGIN_PATH is empty, which disables plugin discovery; set it to the absolute path of "
    "an MTIA plugin library (.so) or manifest (.json), or unset it to search the plugins.d "
    "folders";

// The configure step: MTIA_PLUGIN_PATH as secure_getenv reads it or, when it
// is unset, the manifest that discovery takes (discovery_search.h). Sets
// report.source (and, for discovery, its places and candidates) and *detail.
// Throws StepFailure when the variable is empty (kDiscoveryDisabled), ignored
// because the process runs in secure-execution mode (logged once per
// process), or unset while discovery finds no usable manifest.
std::string configurePluginPath(const LoadEnvironment& env, LoadReport& report,
                                std::string* detail);

// getMTIAHooks()'s reason for the stub when the configure step failed with `cause`.
std::string noPluginReason(const std::string& cause, const LoadReport& report);

// PluginInfo::found_by for a report that loaded.
std::string foundBy(const LoadReport& report);

// A path whose file name ends in ".json" names a manifest; anything else a library.
bool isManifestPath(const std::string& path);

struct LocatedFile {
  std::string path;  // realpath()
  struct stat st {};
};

// The locate step for a library or manifest: `path` is absolute, resolves and
// names a regular file. Throws StepFailure.
LocatedFile locateFile(const LoadEnvironment& env, const std::string& path);

// The directory part of an absolute path ("/" for "/x").
std::string parentDirectory(const std::string& path);

}  // namespace mtia::detail
