// discovery.h — where the plugin is: MTIA_PLUGIN_PATH and path checks.
#pragma once

#include <optional>
#include <string>

namespace mtia::detail {

inline constexpr const char* kPluginPathVariable = "MTIA_PLUGIN_PATH";

// MTIA_PLUGIN_PATH, read with secure_getenv (ignored in secure-execution
// mode); nullopt when unset or empty.
std::optional<std::string> configuredPluginPath();

// The locate step: `path` must be absolute, resolve (realpath) and name a
// regular file. Returns the resolved path; throws LoadError(Locate).
std::string locatePlugin(const std::string& path);

}  // namespace mtia::detail
