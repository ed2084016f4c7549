// trace.h — the tracing layer's recorder (docs/tracing.md).
//
// MTIA_TRACE=/abs/path/trace.json makes every load choose the tracing
// decorator (trace_hooks.h) instead of handing out the adapter. Each traced
// call becomes one TraceRecord in a TraceSession: a ring buffer of a fixed
// capacity (MTIA_TRACE_EVENTS, default kDefaultTraceEvents) that overwrites
// its oldest record when full and counts what it dropped. A session is
// written as Chrome Trace Event JSON ({"traceEvents": [...]}) by
// mtia::flushTrace() and at exit, never by a forked child.
//
// A session is one file: loads that name the same path share it. Sessions
// are never destroyed (hooks handed out may be called until exit).
// Recording is thread-safe and never throws; a record that cannot be stored
// (out of memory) counts as dropped.
#pragma once

#include "compiler.h"

#include <mtia/loader.h>
#include <mtia/types.h>

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace mtia::detail {

inline constexpr const char* kTraceVariable = "MTIA_TRACE";
inline constexpr const char* kTraceEventsVariable = "MTIA_TRACE_EVENTS";
// The ring buffer's default capacity in records (about 200 bytes each).
inline constexpr size_t kDefaultTraceEvents = size_t{1} << 16;
inline constexpr size_t kMaxTraceEvents = size_t{1} << 24;

// One argument of a traced call: a number, a handle (written as "0x..."),
// a flag. The key is a string literal.
struct TraceArg {
  enum class Kind : uint8_t { Int, Uint, Handle, Bool, Double };
  const char* key = nullptr;
  Kind kind = Kind::Int;
  union {
    int64_t i;
    uint64_t u;
    double d;
  };

  TraceArg() noexcept : i(0) {}
  template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  TraceArg(const char* k, T value) noexcept : key(k) {
    if constexpr (std::is_same_v<T, bool>) {
      kind = Kind::Bool;
      i = value ? 1 : 0;
    } else if constexpr (std::is_signed_v<T>) {
      kind = Kind::Int;
      i = static_cast<int64_t>(value);
    } else {
      kind = Kind::Uint;
      u = static_cast<uint64_t>(value);
    }
  }
  TraceArg(const char* k, const void* handle) noexcept : key(k), kind(Kind::Handle) {
    u = reinterpret_cast<uintptr_t>(handle);
  }
  TraceArg(const char* k, double value) noexcept : key(k), kind(Kind::Double) { d = value; }
};

inline constexpr size_t kMaxTraceArgs = 6;

// The arguments of one call, without allocating.
struct TraceArgs {
  std::array<TraceArg, kMaxTraceArgs> items{};
  uint8_t count = 0;

  TraceArgs() noexcept = default;
  TraceArgs(std::initializer_list<TraceArg> args) noexcept {
    for (const TraceArg& a : args) add(a);
  }
  void add(const TraceArg& a) noexcept {
    if (count < kMaxTraceArgs) items[count++] = a;
  }
};

// A stream as two arguments: "stream" (its id) and "device".
inline TraceArgs streamArgs(const Stream& s, std::initializer_list<TraceArg> more = {}) noexcept {
  TraceArgs args{{"stream", s.id()}, {"device", s.device_index()}};
  for (const TraceArg& a : more) args.add(a);
  return args;
}

struct TraceRecord {
  const char* name = nullptr;  // a string literal: the hook's name
  const char* category = nullptr;
  int64_t start_ns = 0;  // CLOCK_MONOTONIC
  int64_t duration_ns = 0;
  uint32_t tid = 0;
  bool failed = false;
  bool instant = false;  // "ph":"i" (a mark) instead of "ph":"X" (a call)
  TraceArgs args;
  nlohmann::json extra;  // more arguments (strings, JSON results); null when none
  std::string error;     // what() of the exception the call ended with
};

class TraceSession {
 public:
  TraceSession(std::string path, size_t capacity);
  TraceSession(const TraceSession&) = delete;
  TraceSession& operator=(const TraceSession&) = delete;

  const std::string& path() const noexcept { return path_; }
  size_t capacity() const noexcept { return capacity_; }

  // Stores a finished record (the oldest is overwritten when full). Never
  // throws; does nothing in a forked child.
  void add(TraceRecord&& record) noexcept;
  // Writes the file (to a temporary name, then renamed over it): the records
  // in the ring, oldest first, after a "dropped N events" mark when the ring
  // overflowed. False, logged, when the write failed; false in a forked child
  // (which never writes its parent's file). Never throws.
  bool flush() noexcept;

  // {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}
  nlohmann::json toJson() const;

  // The atfork child handler: one atomic store.
  void enterForkedChild() noexcept { forked_.store(true, std::memory_order_relaxed); }

  TraceSession* next = nullptr;  // the list of every session (trace.cpp)

 private:
  std::vector<TraceRecord> snapshot(uint64_t* dropped) const;

  const std::string path_;
  const size_t capacity_;
  const pid_t pid_;
  std::atomic<bool> forked_{false};
  mutable std::mutex mutex_;  // guards ring_, next_, dropped_
  std::vector<TraceRecord> ring_;
  size_t next_ = 0;  // the slot the next record overwrites once the ring is full
  uint64_t dropped_ = 0;
  std::mutex flush_mutex_;  // one write of the file at a time
};

// What MTIA_TRACE asks for, as read through `env` (secure_getenv): nullopt
// when it is unset or empty (no tracing). A relative path is refused: logged
// as an error with the exact text of traceRefusal(), then nullopt.
// MTIA_TRACE_EVENTS, when set, is the capacity (1..kMaxTraceEvents; anything
// else is logged and the default used).
struct TraceConfig {
  std::string path;
  size_t capacity = kDefaultTraceEvents;
};
std::optional<TraceConfig> traceConfig(const LoadEnvironment& env);
// "MTIA_TRACE='<value>' is refused: the trace file must be an absolute path;
// the plugin is loaded without tracing"
std::string traceRefusal(const std::string& value);

// The session writing `config.path` (created by the first load naming it,
// with its capacity; later loads share it). Registers the flush at exit and
// the fork handler on first use. Throws std::bad_alloc only.
TraceSession& traceSession(const TraceConfig& config);

// The monotonic clock in nanoseconds, and this thread's kernel id (cached).
int64_t traceNowNs() noexcept;
uint32_t traceThreadId() noexcept;

// ---- recording one call -------------------------------------------------------

// The result of a call, as arguments or extra.
void traceResult(TraceRecord& r, bool v) noexcept;
void traceResult(TraceRecord& r, int8_t v) noexcept;
void traceResult(TraceRecord& r, int64_t v) noexcept;
void traceResult(TraceRecord& r, double v) noexcept;
void traceResult(TraceRecord& r, const void* v) noexcept;
void traceResult(TraceRecord& r, const Stream& v) noexcept;
void traceResult(TraceRecord& r, const MempoolId_t& v) noexcept;
void traceResult(TraceRecord& r, const std::string& v) noexcept;
void traceResult(TraceRecord& r, const nlohmann::json& v) noexcept;
// Inside a catch block: the exception's what() (or "an exception of unknown type").
void traceFailure(TraceRecord& r) noexcept;
// A string argument (kept in extra).
void traceText(TraceRecord& r, const char* key, const std::string& value) noexcept;

// Runs fn() and, when `session` is not null, records it as `name` with `args`
// (and `more(record)` for extra arguments), its result or the exception it
// ends with, which is rethrown unchanged. Untraced (nullptr), it is fn().
template <class Fn, class More>
auto traced(TraceSession* session, const char* category, const char* name, const TraceArgs& args,
            More&& more, Fn&& fn) -> decltype(fn()) {
  if (MTIA_LIKELY(session == nullptr)) return fn();
  TraceRecord r;
  r.name = name;
  r.category = category;
  r.args = args;
  more(r);
  r.tid = traceThreadId();
  r.start_ns = traceNowNs();
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      r.duration_ns = traceNowNs() - r.start_ns;
      session->add(std::move(r));
    } else {
      auto result = fn();
      r.duration_ns = traceNowNs() - r.start_ns;
      traceResult(r, result);
      session->add(std::move(r));
      return result;
    }
  } catch (...) {
    r.duration_ns = traceNowNs() - r.start_ns;
    traceFailure(r);
    session->add(std::move(r));
    throw;
  }
}

template <class Fn>
auto traced(TraceSession* session, const char* category, const char* name, const TraceArgs& args,
            Fn&& fn) -> decltype(fn()) {
  return traced(session, category, name, args, [](TraceRecord&) noexcept {}, std::forward<Fn>(fn));
}

}  // namespace mtia::detail
