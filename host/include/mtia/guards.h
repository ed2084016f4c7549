// mtia/guards.h — RAII guards for the calling thread's current device and
// stream, like PyTorch's c10::DeviceGuard and c10::StreamGuard.
//
// A guard changes the state in its constructor and restores the previous
// state in its destructor, also when the scope is left by an exception. A
// destructor never throws: a failure to restore is logged.
//
//   {
//     mtia::StreamGuard guard(side_stream);  // device and stream switched
//     ...                                    // may throw
//   }                                        // previous device and stream back
#pragma once

#include <mtia/hooks.h>
#include <mtia/types.h>

namespace mtia {

class MTIA_HOST_API DeviceGuard {
 public:
  // Makes `device` current (hooks.exchangeDevice); throws on a bad device.
  explicit DeviceGuard(DeviceIndex device, const MTIAHooksInterface& hooks = getMTIAHooks());
  ~DeviceGuard();  // makes original_device() current again
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

  // Makes another device current; the destructor still restores the original.
  void set_index(DeviceIndex device);
  DeviceIndex original_device() const noexcept { return original_; }
  DeviceIndex current_device() const noexcept { return current_; }

 private:
  const MTIAHooksInterface& hooks_;
  DeviceIndex original_;
  DeviceIndex current_;
};

class MTIA_HOST_API StreamGuard {
 public:
  // Makes stream.device() the current device and `stream` its current stream.
  explicit StreamGuard(const Stream& stream, const MTIAHooksInterface& hooks = getMTIAHooks());
  // Restores the original stream of the current stream's device, then the
  // original device.
  ~StreamGuard();
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

  // Switches to another stream (possibly of another device); the stream of the
  // device left is restored first.
  void reset_stream(const Stream& stream);
  // The stream that was current on current_stream()'s device before the guard.
  Stream original_stream() const noexcept { return original_stream_; }
  Stream current_stream() const noexcept { return current_stream_; }
  DeviceIndex original_device() const noexcept { return original_device_; }

 private:
  // Makes `stream` current (device first); returns the stream it replaced.
  Stream enter(const Stream& stream);
  const MTIAHooksInterface& hooks_;
  DeviceIndex original_device_;
  Stream original_stream_;
  Stream current_stream_;
};

}  // namespace mtia
