#include "in_process_hooks.h"

#include "backend.h"

#include <mtia/errors.h>
#include <mtia/plugin_abi.h>

#include <string>

namespace mtia_bench {

namespace {

using mtia::DeviceIndex;
using mtia::Stream;

// A failure of the backend (backend.h) as an in-tree backend reports it.
[[noreturn, gnu::cold, gnu::noinline]] void throwBackendError(const char* message) {
  throw mtia::Error(message);
}

constexpr auto kThrow = [](auto failed, mtia_status_t /*code*/, const char* message) -> decltype(failed) {
  throwBackendError(message);
};

Stream toStream(const mtia_stream_t& s) noexcept {
  return Stream(s.stream_id, mtia::Device(mtia::DeviceType::MTIA, static_cast<DeviceIndex>(s.device_index)));
}

// The backend's functions behind MTIAHooksInterface (one global backend per
// binary: backend.h).
class InProcessHooks final : public mtia::MTIAHooksInterface {
 public:
  bool hasMTIA() const override { return true; }
  DeviceIndex deviceCount() const override { return static_cast<DeviceIndex>(g_backend.device_count); }
  bool isAvailable() const override { return g_backend.device_count > 0; }

  bool hasPrimaryContext(DeviceIndex device) const override {
    return backendHasPrimaryContext(device, kThrow) != 0;
  }
  void setCurrentDevice(DeviceIndex device) const override { backendSetCurrentDevice(device, kThrow); }
  DeviceIndex getCurrentDevice() const override {
    return static_cast<DeviceIndex>(backendGetCurrentDevice());
  }
  DeviceIndex exchangeDevice(DeviceIndex device) const override {
    return static_cast<DeviceIndex>(backendExchangeDevice(device, kThrow));
  }
  DeviceIndex maybeExchangeDevice(DeviceIndex device) const override {
    return static_cast<DeviceIndex>(backendMaybeExchangeDevice(device, kThrow));
  }
  Stream getCurrentStream(DeviceIndex device) const override {
    return toStream(backendGetCurrentStream(device, kThrow));
  }
  int64_t getCurrentRawStream(DeviceIndex device) const override {
    return backendGetCurrentRawStream(device, kThrow);
  }
  Stream getDefaultStream(DeviceIndex device) const override {
    return toStream(backendGetDefaultStream(device, kThrow));
  }
  void setCurrentStream(const Stream& stream) const override {
    backendSetCurrentStream(
        mtia_stream_t{stream.id(), stream.device_index(), static_cast<int32_t>(stream.device_type())},
        kThrow);
  }
  Stream createStream(DeviceIndex device, int32_t /*priority*/) const override {
    return toStream(backendCreateStream(device, kThrow));
  }
};

// ---- the floor: the adapter's shape over C functions in this executable ----

// The backend's failure value with nothing recorded: the cheapest C function.
mtia_stream_t cGetCurrentStream(int32_t device) noexcept {
  return backendGetCurrentStream(device, [](auto failed, mtia_status_t, const char*) { return failed; });
}

class FunctionTableHooks final : public mtia::MTIAHooksInterface {
 public:
  DeviceIndex getCurrentDevice() const override {
    const int32_t d = get_current_device_();
    if (__builtin_expect(static_cast<uint32_t>(d) <= 127, 1)) return static_cast<DeviceIndex>(d);
    bad("getCurrentDevice", d);
  }
  Stream getCurrentStream(DeviceIndex device) const override {
    const mtia_stream_t s = get_current_stream_(device);
    if (__builtin_expect(static_cast<uint32_t>(s.device_index) <= 127, 1)) {
      return Stream(s.stream_id, mtia::Device(mtia::DeviceType::MTIA,
                                              static_cast<DeviceIndex>(s.device_index)));
    }
    bad("getCurrentStream", s.device_index);
  }

 private:
  // Out of line and using the object, like the adapter's cold path.
  [[noreturn, gnu::noinline]] void bad(const char* hook, int32_t value) const {
    throw mtia::Error(std::string(hook) + "() failed in " + name_ + ": returned " +
                      std::to_string(value));
  }

  const char* name_ = "the in-process function table";

  int32_t (*get_current_device_)() noexcept = &backendGetCurrentDevice;
  mtia_stream_t (*get_current_stream_)(int32_t) noexcept = &cGetCurrentStream;
};

}  // namespace

std::unique_ptr<mtia::MTIAHooksInterface> makeInProcessHooks(int32_t device_count) {
  initBackend(device_count);
  return std::make_unique<InProcessHooks>();
}

std::unique_ptr<mtia::MTIAHooksInterface> makeFunctionTableHooks(int32_t device_count) {
  initBackend(device_count);
  return std::make_unique<FunctionTableHooks>();
}

}  // namespace mtia_bench
