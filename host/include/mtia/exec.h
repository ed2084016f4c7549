// mtia/exec.h — work on streams and events from C++.
//
// Thin wrappers over the plugin's "mtia.exec/1", "mtia.streams/1" and
// "mtia.events/1" extensions (plugin_abi.h), reached through the adapter
// (hooks.binding()), never through raw table pointers. Failures throw
// mtia::PluginError named after the method ("StreamExec::memset() failed in
// MTIA plugin 'mtia-sample': ... (INVALID_ARGUMENT)").
//
// Each object belongs to the load of the plugin it was created under: once
// PluginLoader::unload() ended that load, every method throws
// PluginError(UNAVAILABLE, "the plugin was unloaded ...") and the destructor
// does nothing, even after a new load or after the loader is gone. In a
// forked child every method fails with the fork message (docs/loading.md).
//
//   mtia::StreamExec exec;                         // getMTIAHooks()'s plugin
//   const mtia::Stream s = hooks.getCurrentStream(0);
//   exec.memset(s, device_ptr, 0xAB, 256);         // asynchronous, in order
//   exec.memcpy(s, host_buf, device_ptr, 256, mtia::MemcpyKind::DeviceToHost);
//   exec.synchronize(s);                           // reports failures of that work
#pragma once

#include <mtia/hooks.h>
#include <mtia/plugin_abi.h>
#include <mtia/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace mtia {

enum class MemcpyKind : int32_t {
  HostToDevice = MTIA_MEMCPY_HOST_TO_DEVICE,
  DeviceToHost = MTIA_MEMCPY_DEVICE_TO_HOST,
  DeviceToDevice = MTIA_MEMCPY_DEVICE_TO_DEVICE,
};

// Host work run by a stream on a plugin thread: returns MTIA_STATUS_OK, or a
// failure code that the stream's next synchronize reports. Must not throw and
// must not call into MTIA (it would wait on its own stream).
using HostFn = mtia_host_fn_t;

// Stream work: enqueue memset / memcpy / host functions, query, synchronize.
// Thread-safe (const methods only).
class MTIA_HOST_API StreamExec {
 public:
  // Throws mtia::Error without a backend, PluginError(NOT_SUPPORTED) when the
  // plugin lacks "mtia.exec/1" or "mtia.streams/1" (an older, smaller table
  // is accepted: a method whose slot it lacks throws NOT_SUPPORTED naming it).
  explicit StreamExec(const MTIAHooksInterface& hooks = getMTIAHooks());

  // `bytes` bytes at device address `dst` become `value` (0..255).
  void memset(const Stream& stream, void* dst, int value, size_t bytes) const;
  // Host memory must stay valid until the copy has run (synchronize).
  void memcpy(const Stream& stream, void* dst, const void* src, size_t bytes,
              MemcpyKind kind) const;
  // fn(user_data) runs after the work submitted before it; user_data is borrowed.
  void launchHostFunc(const Stream& stream, HostFn fn, void* user_data) const;
  // True when all work submitted to the stream has run.
  bool query(const Stream& stream) const;
  // Waits for the work submitted before the call; throws the first failure of
  // the stream's work since the last synchronize.
  void synchronize(const Stream& stream) const;

 private:
  std::shared_ptr<const detail::Binding> load_;
};

// An event (PyTorch's torch.mtia.Event): a marker in a stream's work. Owns its
// plugin handle (destroyed with the object); move-only.
class MTIA_HOST_API Event {
 public:
  // enable_timing: elapsedTime() may measure between two such events.
  explicit Event(bool enable_timing = false, const MTIAHooksInterface& hooks = getMTIAHooks());
  ~Event();  // never throws; a failure to destroy is logged; after unload a no-op
  Event(Event&& other) noexcept;
  Event& operator=(Event&& other) noexcept;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  // Completes when the work submitted to `stream` before it has run.
  void record(const Stream& stream);
  // Work submitted to `stream` from now on waits for the latest record.
  void block(const Stream& stream) const;
  // True when the latest record has completed (or there is none).
  bool query() const;
  // Waits for the latest record.
  void synchronize() const;
  // Milliseconds from this event's completion to `end`'s (both timing events,
  // both completed).
  double elapsedTime(const Event& end) const;

  int64_t handle() const noexcept { return handle_; }

 private:
  std::shared_ptr<const detail::Binding> load_;
  int64_t handle_ = 0;  // 0: moved from
};

}  // namespace mtia
