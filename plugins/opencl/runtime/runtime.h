// runtime.h — the plugin's OpenCL runtime: one context over the selected
// platform's devices, each device's streams (in-order command queues),
// device and pinned memory, and the calling thread's current device and
// streams. Everything here is plugin-internal C++ that knows OpenCL and
// nothing of the ABI's slots; bind/ maps the slots onto it.
#pragma once

#include "memory.h"
#include "platform.h"
#include "queue.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mtia_ocl {

inline constexpr const char* kPluginName = "mtia-opencl";
inline constexpr const char* kPluginVersion = "0.1.0";
inline constexpr int32_t kMaxDevices = 64;
inline constexpr int64_t kMaxStreamsPerDevice = 1024;  // including the default stream 0

struct Device {
  DeviceInfo info;
  std::atomic<bool> has_context{false};
  std::mutex streams_mutex;  // serialises stream creation; lookups are lock-free
  std::array<std::atomic<Queue*>, kMaxStreamsPerDevice> streams{};
  std::vector<std::unique_ptr<Queue>> owned;  // guarded by streams_mutex
};

class Runtime {
 public:
  explicit Runtime(Config config);
  ~Runtime();  // waits for all queued work, then releases everything
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  const Config& config() const noexcept { return config_; }
  const Platform& platform() const noexcept { return platform_; }
  int32_t deviceCount() const noexcept { return static_cast<int32_t>(devices_.size()); }
  Device& device(int32_t index) { return *devices_[static_cast<size_t>(index)]; }
  cl_context context() const noexcept { return context_; }

  // Failure(INVALID_ARGUMENT) unless 0 <= index < deviceCount().
  void checkDevice(int32_t index) const;
  Queue* findStream(int32_t device, int64_t id) const noexcept {
    if (id < 0 || id >= kMaxStreamsPerDevice) return nullptr;
    return devices_[static_cast<size_t>(device)]->streams[static_cast<size_t>(id)].load(
        std::memory_order_acquire);
  }
  Queue& createStream(int32_t device, int32_t priority);
  // The stream, or Failure naming what is wrong with `stream`.
  Queue& lookupStream(mtia_stream_t stream) const;
  // Waits for every stream of `device`; throws the first error among them.
  void synchronizeDevice(int32_t device);

  DeviceMemory& memory();    // Failure(UNAVAILABLE) without devices
  PinnedMemory& pinned();  // Failure(UNAVAILABLE) without devices

 private:
  Config config_;
  Platform platform_;
  cl_context context_ = nullptr;
  std::vector<std::unique_ptr<Device>> devices_;
  std::unique_ptr<DeviceMemory> memory_;
  std::unique_ptr<Queue> pinned_queue_;  // maps pinned buffers (device 0)
  std::unique_ptr<PinnedMemory> pinned_;
};

// The runtime, or nullptr before initialize() / after shutdown().
extern Runtime* g_runtime;
// Bumped by every initialize(): per-thread state from an earlier run is stale.
extern std::atomic<uint64_t> g_generation;
// deviceCount() of the live runtime, 0 when there is none.
extern std::atomic<int32_t> g_device_count;

// Failure(UNAVAILABLE) when not initialised.
Runtime& runtime();

inline bool validDevice(int32_t index) noexcept {
  return static_cast<uint32_t>(index) <
         static_cast<uint32_t>(g_device_count.load(std::memory_order_relaxed));
}

// The calling thread's current device and current stream per device. Plain
// data in the default (dynamic) TLS model: the plugin is dlopen'ed.
struct ThreadState {
  uint64_t generation;
  int32_t device;
  int64_t stream[kMaxDevices];
};
inline thread_local ThreadState t_state{};  // constant-initialised: no TLS wrapper call
// The calling thread's state, reset when it belongs to an earlier run.
inline ThreadState& threadState() noexcept {
  ThreadState& s = t_state;
  const uint64_t generation = g_generation.load(std::memory_order_relaxed);
  if (__builtin_expect(s.generation != generation, 0)) {
    s = ThreadState{};
    s.generation = generation;
  }
  return s;
}

// The host services the plugin was given (logging), or nullptr.
extern const mtia_host_services_t* g_host;
void log(mtia_log_level_t level, const std::string& message) noexcept;

}  // namespace mtia_ocl
