// log.h — the host's one named logger ("mtia"), level from MTIA_LOG_LEVEL.
//
// Plugin lines arrive through the host-services log sink (pluginLogSink) and
// go to the same logger as "[plugin <name>] <message>". Identical consecutive
// plugin lines are collapsed: the first is logged, the repeats are counted,
// and "[plugin <name>] last message repeated N times" is logged when N
// reaches 10, 100, 1000, ... and, for the remainder, when a different plugin
// line arrives. Nothing is logged on hot paths.
#pragma once

#include <mtia/plugin_abi.h>

#include <spdlog/logger.h>

#include <optional>
#include <string_view>

namespace mtia::detail {

// The "mtia" logger, writing to stderr. Level from MTIA_LOG_LEVEL
// (trace, debug, info, warn, error, critical, off; any case); default: error.
spdlog::logger& logger();

// An MTIA_LOG_LEVEL value: trace, debug, info, warn|warning, error|err,
// critical, off, in any case. nullopt for anything else.
std::optional<spdlog::level::level_enum> parseLogLevel(std::string_view text) noexcept;

// The host-services log sink handed to plugins; host_data points to the
// std::string tag of the plugin (its path until the name is known).
void pluginLogSink(void* host_data, mtia_log_level_t level, const char* message) noexcept;

}  // namespace mtia::detail
