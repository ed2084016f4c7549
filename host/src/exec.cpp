// exec.cpp — StreamExec and Event (mtia/exec.h): thin wrappers over the
// "mtia.exec/1", "mtia.streams/1" and "mtia.events/1" extensions.
#include <mtia/exec.h>

#include "adapter.h"
#include "log.h"

#include <mtia/errors.h>

#include <string>
#include <utility>

namespace mtia {

namespace {

// The plugin adapter behind `hooks`, or mtia::Error when there is none.
const detail::PluginHooks& pluginOf(const MTIAHooksInterface& hooks, const char* what) {
  if (const auto* plugin = dynamic_cast<const detail::PluginHooks*>(&hooks)) return *plugin;
  const std::string& reason = hooks.unavailableReason();
  throw Error(std::string(what) + " needs an MTIA plugin, but these hooks have no MTIA backend" +
              (reason.empty() ? std::string(".") : ": " + reason));
}

// The extension table `id`, or PluginError(NOT_SUPPORTED) for `hook`.
template <class Ext>
const Ext* extension(const detail::PluginHooks& plugin, const char* hook, const char* id) {
  const auto* ext = static_cast<const Ext*>(plugin.getExtension(id));
  if (ext == nullptr || ext->struct_size < sizeof(Ext)) {
    plugin.raise(hook, MTIA_STATUS_NOT_SUPPORTED,
                 std::string("the plugin does not provide the '") + id + "' extension");
  }
  return ext;
}

// `hooks` once pluginOf() accepted it.
const detail::PluginHooks& backend(const MTIAHooksInterface& hooks) noexcept {
  return static_cast<const detail::PluginHooks&>(hooks);
}

void check(const MTIAHooksInterface& hooks, const char* hook, mtia_status_t status) {
  if (status != MTIA_STATUS_OK) backend(hooks).raiseLastError(hook);
}

mtia_stream_t toC(const Stream& s) noexcept {
  return {s.id(), s.device_index(), static_cast<mtia_device_type_t>(s.device_type())};
}

}  // namespace

// ---- StreamExec -------------------------------------------------------------

StreamExec::StreamExec(const MTIAHooksInterface& hooks)
    : hooks_(pluginOf(hooks, "StreamExec")),
      exec_(extension<mtia_exec_ext_v1_t>(backend(hooks_), "StreamExec", MTIA_EXT_EXEC_V1)),
      streams_(extension<mtia_streams_ext_v1_t>(backend(hooks_), "StreamExec",
                                                MTIA_EXT_STREAMS_V1)) {}

void StreamExec::memset(const Stream& stream, void* dst, int value, size_t bytes) const {
  check(hooks_, "StreamExec::memset", exec_->memset_async(toC(stream), dst, value, bytes));
}

void StreamExec::memcpy(const Stream& stream, void* dst, const void* src, size_t bytes,
                        MemcpyKind kind) const {
  check(hooks_, "StreamExec::memcpy",
        exec_->memcpy_async(toC(stream), dst, src, bytes, static_cast<mtia_memcpy_kind_t>(kind)));
}

void StreamExec::launchHostFunc(const Stream& stream, HostFn fn, void* user_data) const {
  check(hooks_, "StreamExec::launchHostFunc", exec_->launch_host_func(toC(stream), fn, user_data));
}

bool StreamExec::query(const Stream& stream) const {
  bool idle = false;
  check(hooks_, "StreamExec::query", streams_->stream_query(toC(stream), &idle));
  return idle;
}

void StreamExec::synchronize(const Stream& stream) const {
  check(hooks_, "StreamExec::synchronize", streams_->stream_synchronize(toC(stream)));
}

// ---- Event ------------------------------------------------------------------

Event::Event(bool enable_timing, const MTIAHooksInterface& hooks)
    : hooks_(&pluginOf(hooks, "Event")),
      events_(extension<mtia_events_ext_v1_t>(backend(*hooks_), "Event", MTIA_EXT_EVENTS_V1)) {
  check(*hooks_, "Event",
        events_->event_create(enable_timing ? MTIA_EVENT_TIMING : MTIA_EVENT_DEFAULT, &handle_));
}

Event::~Event() {
  if (handle_ == 0) return;
  try {
    check(*hooks_, "Event::~Event", events_->event_destroy(handle_));
  } catch (const std::exception& e) {
    detail::logger().error("{}", e.what());
  } catch (...) {
  }
}

Event::Event(Event&& other) noexcept
    : hooks_(other.hooks_), events_(other.events_), handle_(std::exchange(other.handle_, 0)) {}

Event& Event::operator=(Event&& other) noexcept {
  if (this != &other) {
    Event old(std::move(*this));  // destroys our handle at scope exit
    hooks_ = other.hooks_;
    events_ = other.events_;
    handle_ = std::exchange(other.handle_, 0);
  }
  return *this;
}

void Event::record(const Stream& stream) {
  check(*hooks_, "Event::record", events_->event_record(handle_, toC(stream)));
}

void Event::block(const Stream& stream) const {
  check(*hooks_, "Event::block", events_->stream_wait_event(toC(stream), handle_));
}

bool Event::query() const {
  bool done = false;
  check(*hooks_, "Event::query", events_->event_query(handle_, &done));
  return done;
}

void Event::synchronize() const {
  check(*hooks_, "Event::synchronize", events_->event_synchronize(handle_));
}

double Event::elapsedTime(const Event& end) const {
  int64_t ns = 0;
  check(*hooks_, "Event::elapsedTime", events_->event_elapsed_time(handle_, end.handle_, &ns));
  return static_cast<double>(ns) / 1e6;
}

}  // namespace mtia
