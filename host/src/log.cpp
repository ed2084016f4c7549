#include "log.h"

#include "text.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>

namespace mtia::detail {

namespace {

// MTIA_LOG_LEVEL, read once: the level, and the text when it is not a level.
struct LevelSetting {
  spdlog::level::level_enum level = spdlog::level::err;
  std::optional<std::string> invalid;
};

const LevelSetting& levelSetting() {
  static const LevelSetting setting = [] {
    LevelSetting s;
    const char* env = std::getenv("MTIA_LOG_LEVEL");
    if (env == nullptr || *env == '\0') return s;
    const auto level = parseLogLevel(env);
    if (level) {
      s.level = *level;
    } else {
      s.invalid = env;
    }
    return s;
  }();
  return setting;
}

std::atomic<bool> g_logger_built{false};

spdlog::logger* makeLogger() {
  g_logger_built.store(true, std::memory_order_relaxed);
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto* log = new spdlog::logger("mtia", std::move(sink));
  log->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [mtia] [%l] %v");
  const LevelSetting& setting = levelSetting();
  if (setting.invalid) {
    log->warn("MTIA_LOG_LEVEL='{}' is not one of trace, debug, info, warn, error, critical, off; "
              "using 'error'",
              *setting.invalid);
  }
  log->set_level(setting.level);
  return log;
}

// Collapses identical consecutive plugin lines (the rule is in log.h).
class RepeatFilter {
 public:
  void log(uint64_t source, const std::string& tag, spdlog::level::level_enum level,
           const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (source == source_ && level == level_ && tag == tag_ && last_ == message) {
      if (isPowerOfTen(++repeats_)) report();
      return;
    }
    if (repeats_ > reported_) report();
    source_ = source;
    tag_ = tag;
    level_ = level;
    last_ = message;
    repeats_ = reported_ = 0;
    logger().log(level_, "[plugin {}] {}", tag_, last_);
  }

  // Reports what is pending for `source` (0: whatever is pending) and forgets it.
  void flush(uint64_t source) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (source != 0 && source != source_) return;
    if (repeats_ > reported_) report();
    source_ = 0;
    last_.clear();
    repeats_ = reported_ = 0;
  }

 private:
  static bool isPowerOfTen(uint64_t n) {
    if (n < 10) return false;
    while (n % 10 == 0) n /= 10;
    return n == 1;
  }
  void report() {
    logger().log(level_, "[plugin {}] last message repeated {} time{}", tag_, repeats_,
                 repeats_ == 1 ? "" : "s");
    reported_ = repeats_;
  }

  std::mutex mutex_;
  uint64_t source_ = 0;  // PluginLogTag::id() of last_
  std::string tag_, last_;
  spdlog::level::level_enum level_ = spdlog::level::off;
  uint64_t repeats_ = 0;   // identical lines since last_ was logged
  uint64_t reported_ = 0;  // repeats_ as last reported
};

RepeatFilter& repeatFilter() {
  // Leaked, as the logger; what is pending at exit is reported then.
  static RepeatFilter* const filter = [] {
    auto* f = new RepeatFilter();
    std::atexit([] {
      try {
        repeatFilter().flush(0);
      } catch (...) {
      }
    });
    return f;
  }();
  return *filter;
}

// Tags are interned and never freed: a plugin thread may read one at any time.
const std::string* internTag(const std::string& tag) {
  static std::mutex mutex;
  static auto* tags = new std::unordered_set<std::string>();
  std::lock_guard<std::mutex> lock(mutex);
  return &*tags->insert(tag).first;  // node-based: addresses are stable
}

std::atomic<uint64_t> g_next_tag_id{1};

}  // namespace

spdlog::logger& logger() {
  // Leaked on purpose: plugins and static destructors may log during exit.
  static spdlog::logger* const instance = makeLogger();
  return *instance;
}

bool loggerBuilt() noexcept { return g_logger_built.load(std::memory_order_relaxed); }

bool shouldLog(spdlog::level::level_enum level) {
  // An invalid MTIA_LOG_LEVEL is reported at the first use of the logging, as
  // when the logger was built eagerly; otherwise the logger waits for a message.
  static const bool reported = levelSetting().invalid && (logger(), true);
  (void)reported;
  return level >= levelSetting().level;
}

std::optional<spdlog::level::level_enum> parseLogLevel(std::string_view text) noexcept {
  static constexpr struct {
    std::string_view name;
    spdlog::level::level_enum level;
  } kNames[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
      {"err", spdlog::level::err},     {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  };
  const auto matches = [text](std::string_view name) {
    return name.size() == text.size() &&
           std::equal(name.begin(), name.end(), text.begin(), [](char n, char t) {
             return n == std::tolower(static_cast<unsigned char>(t));
           });
  };
  for (const auto& entry : kNames) {
    if (matches(entry.name)) return entry.level;
  }
  return std::nullopt;
}

PluginLogTag::PluginLogTag() : tag_(internTag("?")), id_(g_next_tag_id.fetch_add(1)) {}

PluginLogTag::~PluginLogTag() {
  try {
    repeatFilter().flush(id_);
  } catch (...) {
  }
}

void PluginLogTag::set(const std::string& tag) {
  tag_.store(internTag(tag), std::memory_order_release);
}

void pluginLogSink(void* host_data, mtia_log_level_t level, const char* message) noexcept {
  spdlog::level::level_enum lvl = spdlog::level::err;
  bool valid = true;
  switch (level) {
    case MTIA_LOG_TRACE: lvl = spdlog::level::trace; break;
    case MTIA_LOG_DEBUG: lvl = spdlog::level::debug; break;
    case MTIA_LOG_INFO: lvl = spdlog::level::info; break;
    case MTIA_LOG_WARN: lvl = spdlog::level::warn; break;
    case MTIA_LOG_ERROR: break;
    default: valid = false; break;
  }
  try {
    if (!shouldLog(lvl)) return;  // filtered lines cost no lock (nor a logger)
    std::string text = pluginText(message, kMaxPluginMessageBytes);
    if (!valid) text = "(invalid log level " + std::to_string(level) + ") " + text;
    const auto* tag = static_cast<const PluginLogTag*>(host_data);
    if (tag == nullptr) {
      repeatFilter().log(0, "?", lvl, text);
    } else {
      repeatFilter().log(tag->id(), tag->get(), lvl, text);
    }
  } catch (...) {
    // A log line is never worth an exception across the C boundary.
  }
}

}  // namespace mtia::detail
