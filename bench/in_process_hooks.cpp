#include "in_process_hooks.h"

#include <mtia/errors.h>
#include <mtia/plugin_abi.h>

#include <array>
#include <atomic>
#include <mutex>
#include <string>

namespace mtia_bench {

namespace {

using mtia::DeviceIndex;
using mtia::Stream;

constexpr int32_t kMaxDevices = 64;
constexpr int64_t kMaxStreams = 1024;  // per device, including the default stream 0

struct StreamObject {
  int64_t id = 0;
};

struct DeviceState {
  std::atomic<bool> has_context{false};
  std::atomic<int64_t> stream_count{1};  // ids below this exist
  std::mutex create_mutex;
  std::array<StreamObject, kMaxStreams> streams{};
};

// The calling thread's current device and current stream per device: 132
// bytes, like the sample plugin's (192): small enough that glibc serves a
// dlopened library's TLS-descriptor access from its static surplus (512
// bytes in all, shared with the plugin) rather than its dynamic path, as it
// does for the plugin; a bigger state made LibSameTLS 15 instructions
// slower per access than the plugin under -mtls-dialect=gnu2.
struct ThreadState {
  int32_t device = 0;
  std::array<uint16_t, kMaxDevices> stream{};  // ids < kMaxStreams
};
static_assert(kMaxStreams <= 65536, "stream ids fit uint16_t");
thread_local ThreadState t_state;

class InProcessHooks final : public mtia::MTIAHooksInterface {
 public:
  explicit InProcessHooks(int32_t device_count) : device_count_(device_count) {
    for (int32_t d = 0; d < device_count_; ++d) {
      for (int64_t id = 0; id < kMaxStreams; ++id) {
        devices_[static_cast<size_t>(d)].streams[static_cast<size_t>(id)].id = id;
      }
    }
  }

  bool hasMTIA() const override { return true; }
  DeviceIndex deviceCount() const override { return static_cast<DeviceIndex>(device_count_); }
  bool isAvailable() const override { return device_count_ > 0; }

  bool hasPrimaryContext(DeviceIndex device) const override {
    return deviceState(check(device)).has_context.load(std::memory_order_relaxed);
  }
  void setCurrentDevice(DeviceIndex device) const override {
    createContext(check(device));
    t_state.device = device;
  }
  DeviceIndex getCurrentDevice() const override {
    return static_cast<DeviceIndex>(t_state.device);
  }
  DeviceIndex exchangeDevice(DeviceIndex device) const override {
    createContext(check(device));
    return exchange(device);
  }
  DeviceIndex maybeExchangeDevice(DeviceIndex device) const override {
    check(device);
    return exchange(device);
  }

  Stream getCurrentStream(DeviceIndex device) const override {
    const int32_t d = resolve(device);
    return Stream(t_state.stream[static_cast<size_t>(d)],
                  mtia::Device(mtia::DeviceType::MTIA, static_cast<DeviceIndex>(d)));
  }
  int64_t getCurrentRawStream(DeviceIndex device) const override {
    const int32_t d = resolve(device);
    const int64_t id = t_state.stream[static_cast<size_t>(d)];
    return reinterpret_cast<intptr_t>(&deviceState(d).streams[static_cast<size_t>(id)]);
  }
  Stream getDefaultStream(DeviceIndex device) const override {
    const int32_t d = resolve(device);
    return Stream(Stream::DEFAULT, mtia::Device(mtia::DeviceType::MTIA, static_cast<DeviceIndex>(d)));
  }
  void setCurrentStream(const Stream& stream) const override {
    if (stream.device_type() != mtia::DeviceType::MTIA) {
      throw mtia::Error("setCurrentStream: the stream's device is not MTIA");
    }
    const int32_t d = check(stream.device_index());
    if (stream.id() < 0 || stream.id() >= deviceState(d).stream_count.load(std::memory_order_acquire)) {
      throw mtia::Error("setCurrentStream: stream " + std::to_string(stream.id()) +
                        " does not exist on device " + std::to_string(d));
    }
    t_state.stream[static_cast<size_t>(d)] = static_cast<uint16_t>(stream.id());
  }
  Stream createStream(DeviceIndex device, int32_t /*priority*/) const override {
    const int32_t d = resolve(device);
    DeviceState& state = deviceState(d);
    std::lock_guard<std::mutex> lock(state.create_mutex);
    const int64_t id = state.stream_count.load(std::memory_order_relaxed);
    if (id >= kMaxStreams) throw mtia::Error("createStream: too many streams");
    state.stream_count.store(id + 1, std::memory_order_release);
    createContext(d);
    return Stream(id, mtia::Device(mtia::DeviceType::MTIA, static_cast<DeviceIndex>(d)));
  }

 private:
  int32_t check(int32_t device) const {
    if (static_cast<uint32_t>(device) < static_cast<uint32_t>(device_count_)) return device;
    throw mtia::Error("device index " + std::to_string(device) + " is out of range");
  }
  int32_t resolve(int32_t device) const { return check(device == -1 ? t_state.device : device); }
  DeviceState& deviceState(int32_t d) const { return devices_[static_cast<size_t>(d)]; }
  void createContext(int32_t d) const {
    std::atomic<bool>& flag = deviceState(d).has_context;
    if (!flag.load(std::memory_order_relaxed)) flag.store(true, std::memory_order_relaxed);
  }
  static DeviceIndex exchange(DeviceIndex device) {
    const int32_t previous = t_state.device;
    t_state.device = device;
    return static_cast<DeviceIndex>(previous);
  }

  const int32_t device_count_;
  mutable std::array<DeviceState, kMaxDevices> devices_;
};

// ---- the floor: the adapter's shape over C functions in this executable ----

int32_t g_table_device_count = 0;

int32_t cGetCurrentDevice() noexcept { return t_state.device; }

mtia_stream_t cGetCurrentStream(int32_t device) noexcept {
  const int32_t d = device == -1 ? t_state.device : device;
  if (static_cast<uint32_t>(d) >= static_cast<uint32_t>(g_table_device_count)) {
    return {-1, -1, MTIA_DEVICE_TYPE_MTIA};
  }
  return {t_state.stream[static_cast<size_t>(d)], d, MTIA_DEVICE_TYPE_MTIA};
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

  int32_t (*get_current_device_)() noexcept = &cGetCurrentDevice;
  mtia_stream_t (*get_current_stream_)(int32_t) noexcept = &cGetCurrentStream;
};

}  // namespace

std::unique_ptr<mtia::MTIAHooksInterface> makeInProcessHooks(int32_t device_count) {
  return std::make_unique<InProcessHooks>(device_count);
}

std::unique_ptr<mtia::MTIAHooksInterface> makeFunctionTableHooks(int32_t device_count) {
  g_table_device_count = device_count;
  return std::make_unique<FunctionTableHooks>();
}

}  // namespace mtia_bench
