// exec.cpp — StreamExec and Event (mtia/exec.h): thin wrappers that reach
// the plugin through the Binding of the load they were created under.
#include <mtia/exec.h>

#include "adapter.h"
#include "binding.h"
#include "swallow.h"
#include "trace.h"

#include <mtia/errors.h>

#include <string>
#include <utility>

namespace mtia {

namespace {

// The trace categories of stream work and of events (trace.h).
constexpr const char* kExec = "exec";
constexpr const char* kEvent = "event";

// The load behind `hooks`, or mtia::Error when there is no plugin.
std::shared_ptr<const detail::Binding> loadOf(const MTIAHooksInterface& hooks, const char* what) {
  if (auto load = hooks.binding()) return load;
  const std::string& reason = hooks.unavailableReason();
  throw Error(std::string(what) + " needs an MTIA plugin, but these hooks have no MTIA backend" +
              (reason.empty() ? std::string(".") : ": " + reason));
}

}  // namespace

// ---- StreamExec -------------------------------------------------------------

StreamExec::StreamExec(const MTIAHooksInterface& hooks) : load_(loadOf(hooks, "StreamExec")) {
  const detail::PluginHooks& plugin = load_->live("StreamExec");
  plugin.requireExtension("StreamExec", MTIA_EXT_EXEC_V1);
  plugin.requireExtension("StreamExec", MTIA_EXT_STREAMS_V1);
}

void StreamExec::memset(const Stream& stream, void* dst, int value, size_t bytes) const {
  detail::traced(load_->trace(), kExec, "StreamExec::memset",
                 detail::streamArgs(stream, {{"dst", dst}, {"value", value}, {"bytes", bytes}}),
                 [&] { load_->live("StreamExec::memset").memsetAsync(stream, dst, value, bytes); });
}

void StreamExec::memcpy(const Stream& stream, void* dst, const void* src, size_t bytes,
                        MemcpyKind kind) const {
  detail::traced(load_->trace(), kExec, "StreamExec::memcpy",
                 detail::streamArgs(stream, {{"dst", dst},
                                             {"src", src},
                                             {"bytes", bytes},
                                             {"kind", static_cast<int32_t>(kind)}}),
                 [&] {
                   load_->live("StreamExec::memcpy")
                       .memcpyAsync(stream, dst, src, bytes, static_cast<int32_t>(kind));
                 });
}

void StreamExec::launchHostFunc(const Stream& stream, HostFn fn, void* user_data) const {
  detail::traced(load_->trace(), kExec, "StreamExec::launchHostFunc",
                 detail::streamArgs(stream, {{"user_data", static_cast<const void*>(user_data)}}),
                 [&] {
                   load_->live("StreamExec::launchHostFunc").launchHostFunc(stream, fn, user_data);
                 });
}

bool StreamExec::query(const Stream& stream) const {
  return detail::traced(load_->trace(), kExec, "StreamExec::query", detail::streamArgs(stream),
                        [&] { return load_->live("StreamExec::query").streamQuery(stream); });
}

void StreamExec::synchronize(const Stream& stream) const {
  detail::traced(load_->trace(), kExec, "StreamExec::synchronize", detail::streamArgs(stream),
                 [&] { load_->live("StreamExec::synchronize").streamSynchronize(stream); });
}

// ---- Event ------------------------------------------------------------------

Event::Event(bool enable_timing, const MTIAHooksInterface& hooks) : load_(loadOf(hooks, "Event")) {
  const detail::PluginHooks& plugin = load_->live("Event");
  plugin.requireExtension("Event", MTIA_EXT_EVENTS_V1);
  handle_ = detail::traced(load_->trace(), kEvent, "Event", {{"enable_timing", enable_timing}},
                           [&] { return plugin.eventCreate(enable_timing); });
}

Event::~Event() {
  if (handle_ == 0 || !load_->usable()) return;  // moved from, or its load is over
  detail::runLogged("Event could not destroy its event", [&] {
    detail::traced(load_->trace(), kEvent, "Event::~Event", {{"event", handle_}},
                   [&] { load_->live("Event::~Event").eventDestroy(handle_); });
  });
}

Event::Event(Event&& other) noexcept
    : load_(other.load_), handle_(std::exchange(other.handle_, 0)) {}

Event& Event::operator=(Event&& other) noexcept {
  if (this != &other) {
    Event old(std::move(*this));  // destroys our handle at scope exit
    load_ = other.load_;
    handle_ = std::exchange(other.handle_, 0);
  }
  return *this;
}

void Event::record(const Stream& stream) {
  detail::traced(load_->trace(), kEvent, "Event::record",
                 detail::streamArgs(stream, {{"event", handle_}}),
                 [&] { load_->live("Event::record").eventRecord(handle_, stream); });
}

void Event::block(const Stream& stream) const {
  detail::traced(load_->trace(), kEvent, "Event::block",
                 detail::streamArgs(stream, {{"event", handle_}}),
                 [&] { load_->live("Event::block").eventBlock(handle_, stream); });
}

bool Event::query() const {
  return detail::traced(load_->trace(), kEvent, "Event::query", {{"event", handle_}},
                        [&] { return load_->live("Event::query").eventQuery(handle_); });
}

void Event::synchronize() const {
  detail::traced(load_->trace(), kEvent, "Event::synchronize", {{"event", handle_}},
                 [&] { load_->live("Event::synchronize").eventSynchronize(handle_); });
}

double Event::elapsedTime(const Event& end) const {
  const int64_t ns = detail::traced(
      load_->trace(), kEvent, "Event::elapsedTime", {{"event", handle_}, {"end", end.handle_}},
      [&] { return load_->live("Event::elapsedTime").eventElapsedNs(handle_, end.handle_); });
  return static_cast<double>(ns) / 1e6;
}

}  // namespace mtia
