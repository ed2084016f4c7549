// trace.cpp — the trace sessions: ring buffer, configuration, Chrome Trace
// Event output, the flush at exit and the fork rule.
#include "trace.h"

#include "environment.h"
#include "log.h"

#include <mtia/trace.h>

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <utility>

namespace mtia::detail {

namespace {

// Every session, newest first; pushed under g_create, never removed, walked
// without a lock (the atfork child handler, flushTrace).
std::atomic<TraceSession*> g_sessions{nullptr};
std::mutex g_create;

template <class Fn>
void forEachSession(Fn&& fn) noexcept {
  for (TraceSession* s = g_sessions.load(std::memory_order_acquire); s != nullptr; s = s->next) {
    fn(*s);
  }
}

void childAfterFork() { forEachSession([](TraceSession& s) { s.enterForkedChild(); }); }

void flushAtExit() { flushTrace(); }

// Never throws: a log line that cannot be written is lost.
template <class... Args>
void logError(const char* format, const Args&... args) noexcept {
  try {
    logger().error(format, args...);
  } catch (...) {
  }
}

std::string handleText(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof(text), "0x%" PRIx64, value);
  return text;
}

nlohmann::json argValue(const TraceArg& a) {
  switch (a.kind) {
    case TraceArg::Kind::Int:
      return a.i;
    case TraceArg::Kind::Uint:
      return a.u;
    case TraceArg::Kind::Handle:
      return handleText(a.u);
    case TraceArg::Kind::Bool:
      return a.i != 0;
    case TraceArg::Kind::Double:
      return a.d;
  }
  return nullptr;
}

// Chrome's "ts"/"dur" are microseconds; fractions keep the nanoseconds.
double micros(int64_t ns) { return static_cast<double>(ns) / 1000.0; }

nlohmann::json eventJson(const TraceRecord& r, pid_t pid) {
  nlohmann::json args = nlohmann::json::object();
  for (uint8_t i = 0; i < r.args.count; ++i) args[r.args.items[i].key] = argValue(r.args.items[i]);
  if (r.extra.is_object()) {
    for (const auto& [key, value] : r.extra.items()) args[key] = value;
  }
  if (r.failed) args["error"] = r.error;
  nlohmann::json e = {{"name", r.name != nullptr ? r.name : ""},
                      {"cat", r.category != nullptr ? r.category : "mtia"},
                      {"ph", r.instant ? "i" : "X"},
                      {"ts", micros(r.start_ns)},
                      {"pid", pid},
                      {"tid", r.tid},
                      {"args", std::move(args)}};
  if (r.instant) {
    e["s"] = "p";  // a mark across the process
  } else {
    e["dur"] = micros(r.duration_ns);
  }
  return e;
}

}  // namespace

// ---- the clock and the thread -------------------------------------------------

int64_t traceNowNs() noexcept {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

uint32_t traceThreadId() noexcept {
  thread_local uint32_t tid = static_cast<uint32_t>(syscall(SYS_gettid));
  return tid;
}

// ---- results ----------------------------------------------------------------

void traceResult(TraceRecord& r, bool v) noexcept { r.args.add({"result", v}); }
void traceResult(TraceRecord& r, int8_t v) noexcept { r.args.add({"result", v}); }
void traceResult(TraceRecord& r, int64_t v) noexcept { r.args.add({"result", v}); }
void traceResult(TraceRecord& r, double v) noexcept { r.args.add({"result", v}); }
void traceResult(TraceRecord& r, const void* v) noexcept { r.args.add({"result", v}); }
void traceResult(TraceRecord& r, const Stream& v) noexcept {
  r.args.add({"result_stream", v.id()});
  r.args.add({"result_device", v.device_index()});
}
void traceResult(TraceRecord& r, const MempoolId_t& v) noexcept {
  traceText(r, "result", std::to_string(v.first) + "," + std::to_string(v.second));
}
void traceResult(TraceRecord& r, const std::string& v) noexcept { traceText(r, "result", v); }
void traceResult(TraceRecord& r, const nlohmann::json& v) noexcept {
  try {
    if (!r.extra.is_object()) r.extra = nlohmann::json::object();
    r.extra["result"] = v;
  } catch (...) {  // out of memory: the record keeps what it has
  }
}

void traceText(TraceRecord& r, const char* key, const std::string& value) noexcept {
  try {
    if (!r.extra.is_object()) r.extra = nlohmann::json::object();
    r.extra[key] = value;
  } catch (...) {
  }
}

void traceFailure(TraceRecord& r) noexcept {
  r.failed = true;
  try {
    try {
      throw;
    } catch (const std::exception& e) {
      r.error = e.what();
    } catch (...) {
      r.error = "an exception of unknown type";
    }
  } catch (...) {  // out of memory copying the message
  }
}

// ---- a session ----------------------------------------------------------------

TraceSession::TraceSession(std::string path, size_t capacity)
    : path_(std::move(path)), capacity_(capacity), pid_(getpid()) {}

void TraceSession::add(TraceRecord&& record) noexcept {
  if (forked_.load(std::memory_order_relaxed)) return;
  const std::lock_guard<std::mutex> lock(mutex_);
  if (ring_.size() < capacity_) {
    try {
      ring_.push_back(std::move(record));
    } catch (...) {  // out of memory: this record is lost, and counted
      ++dropped_;
    }
    return;
  }
  ring_[next_] = std::move(record);
  next_ = (next_ + 1) % capacity_;
  ++dropped_;
}

std::vector<TraceRecord> TraceSession::snapshot(uint64_t* dropped) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<TraceRecord> records;
  records.reserve(ring_.size());
  for (size_t i = 0; i < ring_.size(); ++i) records.push_back(ring_[(next_ + i) % ring_.size()]);
  *dropped = dropped_;
  return records;
}

nlohmann::json TraceSession::toJson() const {
  uint64_t dropped = 0;
  const std::vector<TraceRecord> records = snapshot(&dropped);
  nlohmann::json events = nlohmann::json::array();
  events.push_back({{"name", "process_name"},
                    {"ph", "M"},
                    {"pid", pid_},
                    {"tid", 0},
                    {"args", {{"name", "mtia-plugin-host (pid " + std::to_string(pid_) + ")"}}}});
  if (dropped > 0) {
    TraceRecord mark;  // named below: "dropped N events"
    mark.instant = true;
    mark.category = "mtia.trace";
    mark.start_ns = records.empty() ? traceNowNs() : records.front().start_ns;
    mark.args = {{"dropped", dropped}, {"capacity", capacity_}};
    nlohmann::json e = eventJson(mark, pid_);
    e["name"] = "dropped " + std::to_string(dropped) + " events";
    events.push_back(std::move(e));
  }
  for (const TraceRecord& r : records) events.push_back(eventJson(r, pid_));
  return {{"traceEvents", std::move(events)},
          {"displayTimeUnit", "ns"},
          {"otherData",
           {{"mtia_trace",
             {{"capacity", capacity_}, {"recorded", records.size()}, {"dropped", dropped}}}}}};
}

bool TraceSession::flush() noexcept {
  if (forked_.load(std::memory_order_relaxed) || getpid() != pid_) return false;
  try {
    const std::lock_guard<std::mutex> lock(flush_mutex_);
    const std::string text =
        toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const std::string temporary = path_ + ".tmp." + std::to_string(pid_);
    std::FILE* file = std::fopen(temporary.c_str(), "w");
    int err = file == nullptr ? errno : 0;
    if (file != nullptr) {
      if (std::fwrite(text.data(), 1, text.size(), file) != text.size()) err = errno ? errno : EIO;
      if (std::fclose(file) != 0 && err == 0) err = errno ? errno : EIO;
      if (err == 0 && std::rename(temporary.c_str(), path_.c_str()) != 0) err = errno;
      if (err != 0) std::remove(temporary.c_str());
    }
    if (err != 0) {
      logError("cannot write the MTIA trace '{}': {}", path_, std::strerror(err));
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    logError("cannot write the MTIA trace '{}': {}", path_, e.what());
  } catch (...) {
    logError("cannot write the MTIA trace '{}': an exception of unknown type", path_);
  }
  return false;
}

// ---- configuration ------------------------------------------------------------

std::string traceRefusal(const std::string& value) {
  return std::string(kTraceVariable) + "='" + value +
         "' is refused: the trace file must be an absolute path; the plugin is loaded without "
         "tracing";
}

std::optional<TraceConfig> traceConfig(const LoadEnvironment& env) {
  const char* value = readVariable(env, kTraceVariable);
  if (value == nullptr || *value == '\0') return std::nullopt;
  if (*value != '/') {
    logError("{}", traceRefusal(value));
    return std::nullopt;
  }
  TraceConfig config;
  config.path = value;
  if (const char* events = readVariable(env, kTraceEventsVariable); events != nullptr) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(events, &end, 10);
    if (*events >= '0' && *events <= '9' && *end == '\0' && errno == 0 && n >= 1 &&
        n <= kMaxTraceEvents) {
      config.capacity = static_cast<size_t>(n);
    } else {
      logError("{}='{}' is not a number of events from 1 to {}; using {}", kTraceEventsVariable,
               events, kMaxTraceEvents, kDefaultTraceEvents);
    }
  }
  return config;
}

TraceSession& traceSession(const TraceConfig& config) {
  const std::lock_guard<std::mutex> lock(g_create);
  TraceSession* found = nullptr;
  forEachSession([&](TraceSession& s) {
    if (found == nullptr && s.path() == config.path) found = &s;
  });
  if (found != nullptr) return *found;
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, &childAfterFork);
    std::atexit(&flushAtExit);
    return true;
  }();
  (void)registered;
  auto* session = new TraceSession(config.path, config.capacity);  // never destroyed
  session->next = g_sessions.load(std::memory_order_relaxed);
  g_sessions.store(session, std::memory_order_release);
  try {
    logger().info("tracing MTIA plugin calls to '{}' (a ring buffer of {} events)", config.path,
                  config.capacity);
  } catch (...) {
  }
  return *session;
}

}  // namespace mtia::detail

namespace mtia {

bool flushTrace() noexcept {
  bool ok = true;
  detail::forEachSession([&](detail::TraceSession& s) { ok = s.flush() && ok; });
  return ok;
}

}  // namespace mtia
