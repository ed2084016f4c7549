// log.h — the host's one named logger ("mtia"), level from MTIA_LOG_LEVEL.
#pragma once

#include <mtia/plugin_abi.h>

#include <spdlog/logger.h>

namespace mtia::detail {

// The "mtia" logger, writing to stderr. Level from MTIA_LOG_LEVEL
// (trace, debug, info, warn, error, critical, off); default: error.
spdlog::logger& logger();

// The host-services log sink handed to plugins; host_data points to the
// std::string tag of the plugin (its path until the name is known).
void pluginLogSink(void* host_data, mtia_log_level_t level, const char* message) noexcept;

}  // namespace mtia::detail
