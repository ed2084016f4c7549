// guards.cpp — DeviceGuard and StreamGuard (mtia/guards.h).
#include <mtia/guards.h>

#include "log.h"
#include "unloaded.h"

#include <mtia/errors.h>

#include <exception>

namespace mtia {

namespace {

// Runs a restoring step from a destructor: failures are logged, never thrown.
template <class Fn>
void restore(const char* guard, Fn&& fn) noexcept {
  try {
    fn();
  } catch (const PluginError& e) {
    if (detail::isStandInFailure(e)) return;  // unloaded or forked: nothing to restore
    try {
      detail::logger().error("{} could not restore the previous state: {}", guard, e.what());
    } catch (...) {
    }
  } catch (const std::exception& e) {
    try {
      detail::logger().error("{} could not restore the previous state: {}", guard, e.what());
    } catch (...) {
    }
  } catch (...) {
  }
}

}  // namespace

// ---- DeviceGuard ----------------------------------------------------------

DeviceGuard::DeviceGuard(DeviceIndex device, const MTIAHooksInterface& hooks)
    : hooks_(hooks), original_(hooks.exchangeDevice(device)), current_(device) {}

DeviceGuard::~DeviceGuard() {
  restore("DeviceGuard", [&] { hooks_.setCurrentDevice(original_); });
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
  restore("StreamGuard", [&] {
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
