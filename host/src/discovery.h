// discovery.h — where the plugin is: MTIA_PLUGIN_PATH (the configure step),
// manifest or library, and the locate step's path checks.
#pragma once

#include <mtia/loader.h>

#include <sys/stat.h>

#include <string>

namespace mtia::detail {

inline constexpr const char* kPluginPathVariable = "MTIA_PLUGIN_PATH";
// The configure step's cause when secure-execution mode hides the variable.
inline constexpr const char* kIgnoredInSecureMode =
    "MTIA_PLUGIN_PATH is ignored in a setuid/setgid (secure-execution) process";

// The configure step: MTIA_PLUGIN_PATH as secure_getenv reads it. Throws
// StepFailure when it is unset, empty, or ignored because the process runs in
// secure-execution mode (which is logged once per process).
std::string configuredPluginPath(const LoadEnvironment& env);

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
