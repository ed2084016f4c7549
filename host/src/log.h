// log.h — the host's one named logger ("mtia"), level from MTIA_LOG_LEVEL.
//
// Plugin lines arrive through the host-services log sink (pluginLogSink) and
// go to the same logger as "[plugin <name>] <message>"; a message is
// untrusted text (capped at 64 KiB, made valid UTF-8: text.h). A level
// outside MTIA_LOG_TRACE..MTIA_LOG_ERROR is logged as error, the message
// starting "(invalid log level <n>) ". Identical consecutive plugin lines of
// one loaded plugin are collapsed: the first is logged, the repeats are
// counted, and "[plugin <name>] last message repeated N times" is logged when
// N reaches 10, 100, 1000, ... and, for the remainder, when a different plugin
// line arrives, when the plugin is unloaded (its PluginLogTag is destroyed,
// after dlclose) and at exit: no repeat goes unreported. Lines of different
// loads are never collapsed together. Nothing is logged on hot paths.
#pragma once

#include <mtia/plugin_abi.h>

#include <spdlog/logger.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mtia::detail {

// The "mtia" logger, writing to stderr. Level from MTIA_LOG_LEVEL
// (trace, debug, info, warn, error, critical, off; any case); default: error.
// Built on first use: its sink and pattern formatter cost a process's
// start-up, so paths that run on every load log through logIfEnabled.
spdlog::logger& logger();

// Whether logger() has been built in this process (tests/test_logging_lazy.cpp).
bool loggerBuilt() noexcept;

// Whether a message at `level` passes MTIA_LOG_LEVEL (logger().should_log),
// answered without building the logger, except when MTIA_LOG_LEVEL is not a
// level: then the logger is built at this first use and logs its warning.
bool shouldLog(spdlog::level::level_enum level);

// logger().log(level, ...) when shouldLog(level): a process whose messages
// are all filtered out never builds the logger.
template <class... Args>
void logIfEnabled(spdlog::level::level_enum level, spdlog::format_string_t<Args...> format,
                  Args&&... args) {
  if (shouldLog(level)) logger().log(level, format, std::forward<Args>(args)...);
}

// An MTIA_LOG_LEVEL value: trace, debug, info, warn|warning, error|err,
// critical, off, in any case. nullopt for anything else.
std::optional<spdlog::level::level_enum> parseLogLevel(std::string_view text) noexcept;

// The host_data of one loaded plugin's log sink: the tag its lines carry
// (the path until the name is known). It must outlive the plugin's library,
// whose ELF destructors may still log. set() may run while plugin threads
// log: the tag is an atomic pointer to an immortal, interned string.
class PluginLogTag {
 public:
  PluginLogTag();  // tag "?"
  ~PluginLogTag();  // reports this plugin's pending "repeated N times"
  PluginLogTag(const PluginLogTag&) = delete;
  PluginLogTag& operator=(const PluginLogTag&) = delete;

  void set(const std::string& tag);
  const std::string& get() const noexcept { return *tag_.load(std::memory_order_acquire); }
  uint64_t id() const noexcept { return id_; }  // unique per tag object, never reused

 private:
  std::atomic<const std::string*> tag_;
  const uint64_t id_;
};

// The host-services log sink handed to plugins; host_data points to the
// plugin's PluginLogTag.
void pluginLogSink(void* host_data, mtia_log_level_t level, const char* message) noexcept;

}  // namespace mtia::detail
