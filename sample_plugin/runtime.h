// runtime.h — the simulated MTIA runtime behind the sample plugin.
//
// Everything here is plugin-internal C++; the ABI surface (slots and the
// entry point) lives in plugin.cpp and the per-group slot files.
#pragma once

#include "events.h"
#include "graph.h"
#include "memory_allocator.h"
#include "memory_pinned.h"
#include "streams.h"

#include <mtia/plugin_abi.h>
#include <mtia/plugin_support.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace mtia_sample {

using mtia::plugin::Failure;

inline constexpr const char* kPluginName = "mtia-sample";
inline constexpr const char* kPluginVersion = "0.1.0";
inline constexpr int32_t kMaxDevices = 64;
inline constexpr int64_t kMaxStreamsPerDevice = 1024;  // including the default stream 0
inline constexpr int32_t kDefaultDeviceCount = 2;

struct SampleStream {
  int64_t id;
  int32_t device;
  int32_t priority;
  Executor exec{device, id};  // runs the stream's work (streams.h)
};

struct SampleDevice {
  std::atomic<bool> has_context{false};
  std::mutex streams_mutex;  // serialises stream creation; lookups are lock-free
  std::array<std::atomic<SampleStream*>, kMaxStreamsPerDevice> streams{};
  int64_t next_stream_id = 1;  // guarded by streams_mutex
  std::unique_ptr<DeviceAllocator> memory;  // the caching allocator (memory_allocator.h)
};

// Read once by initialize(); constant until shutdown().
struct Config {
  int32_t device_count = kDefaultDeviceCount;  // MTIA_SAMPLE_DEVICE_COUNT
  uint64_t device_memory_bytes = kDefaultDeviceMemoryBytes;  // MTIA_SAMPLE_DEVICE_MEMORY
  bool biased_locks = true;  // MTIA_SAMPLE_BIASED_LOCKS: bias the allocators' locks (biased_mutex.h)
};

// The plugin-wide state. Exists between initialize() and shutdown().
class Runtime {
 public:
  explicit Runtime(const Config& config);
  ~Runtime();

  int32_t deviceCount() const noexcept { return device_count_; }
  const Config& config() const noexcept { return config_; }
  SampleDevice& device(int32_t index) { return *devices_[static_cast<size_t>(index)]; }

  // Throws Failure(INVALID_ARGUMENT) unless 0 <= index < deviceCount().
  void checkDevice(int32_t index) const;
  // The stream with this id on this device, or nullptr.
  SampleStream* findStream(int32_t device, int64_t id) const noexcept {
    if (id < 0 || id >= kMaxStreamsPerDevice) return nullptr;
    return devices_[static_cast<size_t>(device)]->streams[static_cast<size_t>(id)].load(
        std::memory_order_acquire);
  }
  SampleStream& createStream(int32_t device, int32_t priority);
  // The stream, or Failure naming what is wrong with `stream`.
  SampleStream& lookupStream(mtia_stream_t stream) const;
  // Waits for the work submitted to every stream of `device` before the call;
  // throws the first failure among them (and forgets the others).
  void synchronizeDevice(int32_t device);

  EventTable events{"event"};
  GraphTable graphs;
  PinnedMemory pinned;         // pinned host allocations (memory_pinned.h)
  OomObservers oom_observers;  // attach_oom_observer (memory_allocator.h)

 private:
  Config config_;
  int32_t device_count_;
  std::array<std::unique_ptr<SampleDevice>, kMaxDevices> devices_;
};

// Reads the configuration from the environment; throws Failure on bad values.
Config readConfig();

// The runtime, or nullptr before initialize() / after shutdown().
extern Runtime* g_runtime;
// Bumped by every initialize(): per-thread state from an earlier run is stale.
extern std::atomic<uint64_t> g_generation;

// Throws Failure(UNAVAILABLE) when not initialised; returns the runtime.
Runtime& runtime();

// The calling thread's state: current device and current stream per device.
struct ThreadState {
  uint64_t generation = 0;
  int32_t device = 0;
  std::array<int64_t, kMaxDevices> stream{};  // current stream id per device
};

// The calling thread's state, created on first use (slow path; may throw).
ThreadState& threadStateSlow();

// Hot path: one initial-exec TLS load and a generation compare. An inline,
// constant-initialised variable: every use sees the initialiser, so no TLS
// wrapper call guards the access (an `extern thread_local` would get one).
inline thread_local ThreadState* t_state __attribute__((tls_model("initial-exec"))) = nullptr;
// The calling thread's state when it exists and is current, else nullptr.
// Never allocates, locks or throws.
inline ThreadState* liveThreadState() noexcept {
  ThreadState* state = t_state;
  if (__builtin_expect(state != nullptr &&
                           state->generation == g_generation.load(std::memory_order_relaxed),
                       1)) {
    return state;
  }
  return nullptr;
}
inline ThreadState& threadState() {
  ThreadState* state = liveThreadState();
  return __builtin_expect(state != nullptr, 1) ? *state : threadStateSlow();
}

// deviceCount() of the live runtime, 0 when there is none; lock-free.
extern std::atomic<int32_t> g_device_count;
inline bool validDevice(int32_t index) noexcept {
  return static_cast<uint32_t>(index) <
         static_cast<uint32_t>(g_device_count.load(std::memory_order_relaxed));
}

// Device i's allocator while 0 <= i < g_device_count: the memory slots'
// cached paths reach it with one load.
extern std::array<DeviceAllocator*, kMaxDevices> g_device_memory;

// The host services the plugin was given (logging), or nullptr.
extern const mtia_host_services_t* g_host;
void log(mtia_log_level_t level, const std::string& message) noexcept;

}  // namespace mtia_sample
