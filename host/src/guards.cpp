// guards.cpp — DeviceGuard and StreamGuard (mtia/guards.h).
#include <mtia/guards.h>

#include "swallow.h"

namespace mtia {

// A restoring step runs from a destructor: failures are logged, never thrown.
constexpr const char* kDeviceGuardRestore = "DeviceGuard could not restore the previous state";
constexpr const char* kStreamGuardRestore = "StreamGuard could not restore the previous state";

// ---- DeviceGuard ----------------------------------------------------------

DeviceGuard::DeviceGuard(DeviceIndex device, const MTIAHooksInterface& hooks)
    : hooks_(hooks), original_(hooks.exchangeDevice(device)), current_(device) {}

DeviceGuard::~DeviceGuard() {
  detail::runLogged(kDeviceGuardRestore, [&] { hooks_.setCurrentDevice(original_); });
}

void DeviceGuard::set_index(DeviceIndex device) {
  hooks_.setCurrentDevice(device);
  current_ = device;
}

// ---- StreamGuard ----------------------------------------------------------

StreamGuard::StreamGuard(const Stream& stream, const MTIAHooksInterface& hooks)
    : hooks_(hooks),
      original_device_(hooks.getCurrentDevice()),
      original_stream_(stream),
      current_stream_(stream) {
  original_stream_ = enter(stream);
}

StreamGuard::~StreamGuard() {
  detail::runLogged(kStreamGuardRestore, [&] {
    hooks_.setCurrentStream(original_stream_);
    hooks_.setCurrentDevice(original_device_);
  });
}

Stream StreamGuard::enter(const Stream& stream) {
  // Each step validates before anything changes: a bad stream leaves the
  // thread's state as it was.
  const Stream previous = hooks_.getCurrentStream(stream.device_index());
  hooks_.setCurrentStream(stream);
  hooks_.setCurrentDevice(stream.device_index());
  current_stream_ = stream;
  return previous;
}

void StreamGuard::reset_stream(const Stream& stream) {
  if (stream.device() == current_stream_.device()) {
    hooks_.setCurrentStream(stream);
    current_stream_ = stream;
    return;
  }
  hooks_.setCurrentStream(original_stream_);  // leave the old device as we found it
  original_stream_ = enter(stream);
}

}  // namespace mtia
