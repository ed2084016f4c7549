#include "log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <utility>
#include <string>

namespace mtia::detail {

namespace {

spdlog::logger* makeLogger() {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto* log = new spdlog::logger("mtia", std::move(sink));
  log->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [mtia] [%l] %v");
  spdlog::level::level_enum level = spdlog::level::err;
  if (const char* env = std::getenv("MTIA_LOG_LEVEL"); env != nullptr && *env != '\0') {
    // spdlog maps unknown names to "off"; only accept names it knows.
    const auto parsed = spdlog::level::from_str(env);
    if (parsed != spdlog::level::off || std::string(env) == "off") {
      level = parsed;
    } else {
      log->warn("MTIA_LOG_LEVEL='{}' is not one of trace, debug, info, warn, error, critical, off; "
                "using 'error'",
                env);
    }
  }
  log->set_level(level);
  return log;
}

}  // namespace

spdlog::logger& logger() {
  // Leaked on purpose: plugins and static destructors may log during exit.
  static spdlog::logger* const instance = makeLogger();
  return *instance;
}

void pluginLogSink(void* host_data, mtia_log_level_t level, const char* message) noexcept {
  try {
    const std::string* tag = static_cast<const std::string*>(host_data);
    spdlog::level::level_enum lvl = spdlog::level::info;
    switch (level) {
      case MTIA_LOG_TRACE: lvl = spdlog::level::trace; break;
      case MTIA_LOG_DEBUG: lvl = spdlog::level::debug; break;
      case MTIA_LOG_INFO: lvl = spdlog::level::info; break;
      case MTIA_LOG_WARN: lvl = spdlog::level::warn; break;
      default: lvl = spdlog::level::err; break;
    }
    logger().log(lvl, "[plugin {}] {}", tag != nullptr ? *tag : std::string("?"),
                 message != nullptr ? message : "");
  } catch (...) {
    // A log line is never worth an exception across the C boundary.
  }
}

}  // namespace mtia::detail
