// sim/runtime.cpp — the driver's lifetime and configuration, its devices, the
// calling thread's current device, and the streams of each device.
#include "internal.h"

#include <cerrno>
#include <cinttypes>
#include <cstdlib>
#include <cstring>

namespace sim {

namespace {

Runtime* g_rt = nullptr;
uint64_t g_inits = 0;

int32_t readDeviceCount() {
  const char* env = std::getenv("MTIA_SAMPLE_DEVICE_COUNT");
  if (env == nullptr || *env == '\0') return Config{}.device_count;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(env, &end, 10);
  if (errno == 0 && end != env && *end == '\0' && n >= 0 && n <= kMaxDevices) return int32_t(n);
  throw Error(Err::BadValue, std::string("MTIA_SAMPLE_DEVICE_COUNT='") + env +
                                 "' is not a whole number from 0 to " + std::to_string(kMaxDevices));
}

// Bytes, or a number with a KiB, MiB or GiB suffix: a multiple of 2 MiB up to 1024 GiB.
uint64_t readDeviceMemory() {
  const char* env = std::getenv("MTIA_SAMPLE_DEVICE_MEMORY");
  if (env == nullptr || *env == '\0') return Config{}.device_memory;
  char* end = nullptr;
  errno = 0;
  const uintmax_t n = std::strtoumax(env, &end, 10);
  const int shift = std::strcmp(end, "KiB") == 0   ? 10
                    : std::strcmp(end, "MiB") == 0 ? 20
                    : std::strcmp(end, "GiB") == 0 ? 30
                    : *end == '\0'                 ? 0
                                                   : -1;
  if (errno == 0 && *env >= '0' && *env <= '9' && shift >= 0 && n <= (uint64_t{1024} << 30 >> shift) &&
      n << shift >= kSegment && (n << shift) % kSegment == 0) {
    return n << shift;
  }
  throw Error(Err::BadValue, std::string("MTIA_SAMPLE_DEVICE_MEMORY='") + env +
                                 "' is not a device memory size: give bytes, or a whole number "
                                 "with a KiB, MiB or GiB suffix (e.g. 512MiB), that is a multiple "
                                 "of 2 MiB from 2 MiB to 1024 GiB");
}

template <class Fn>
void forEachStream(Device& d, Fn&& fn) {
  for (int64_t id = 0, n = d.stream_count.load(); id < n; ++id) fn(*d.streams[id].load());
}

Device& device(int32_t index) { return *g_rt->devices[static_cast<size_t>(index)]; }

}  // namespace

void init() {
  if (g_rt != nullptr) throw Error(Err::BadState, "already initialised");
  auto rt = std::make_unique<Runtime>();
  rt->config = {readDeviceCount(), readDeviceMemory()};
  for (int32_t i = 0; i < rt->config.device_count; ++i) {
    rt->devices.push_back(std::make_unique<Device>());
    rt->devices.back()->streams[0] = new Stream(i, 0);
    rt->memory.devices.emplace_back().stats.total = rt->config.device_memory;
  }
  g_rt = rt.release();
  g_device_count.store(g_rt->config.device_count);
  g_generation.store(++g_inits, std::memory_order_release);
}

void shutdown() {
  if (g_rt == nullptr) return;
  g_generation.store(~uint64_t{0}, std::memory_order_release);
  g_device_count.store(0);
  // Stop every stream first (dropping queued work and releasing waits across
  // streams), then join and free them.
  for (auto& d : g_rt->devices) forEachStream(*d, [](Stream& s) { s.stop(); });
  for (auto& d : g_rt->devices) forEachStream(*d, [](Stream& s) { delete &s; });
  delete g_rt;
  g_rt = nullptr;
}

bool initialized() noexcept { return g_rt != nullptr; }

Runtime& rt() {
  if (g_rt != nullptr) return *g_rt;
  throw Error(Err::Down, "the sample plugin is not initialised (or shut down)");
}

const Config& config() { return rt().config; }

void badDevice(int32_t index) {
  const int32_t n = rt().config.device_count;
  throw Error(Err::BadValue, "device index " + std::to_string(index) + " is out of range: " +
                                 (n == 0 ? std::string("the sample plugin has no devices")
                                         : "the sample plugin has " + std::to_string(n) +
                                               " devices (0.." + std::to_string(n - 1) + ")"));
}

bool hasContext(int32_t index) {
  checkDevice(index);
  return device(index).has_context.load(std::memory_order_relaxed);
}

ThreadState& threadSlow() {
  rt();
  t_thread = ThreadState{};
  t_thread.generation = g_generation.load(std::memory_order_acquire);
  return t_thread;
}

int32_t exchangeDevice(int32_t index, bool create_context) {
  ThreadState& t = thread();
  checkDevice(index);
  std::atomic<bool>& context = device(index).has_context;
  if (create_context && !context.load(std::memory_order_relaxed)) context.store(true);
  return std::exchange(t.device, index);
}

Stream& createStream(int32_t index) {
  checkDevice(index);
  Device& d = device(index);
  std::lock_guard<std::mutex> lock(d.streams_mutex);
  const int64_t id = d.stream_count.load();
  if (id == kMaxStreams) {
    throw Error(Err::NoMemory, "device " + std::to_string(index) + " already has the maximum of " +
                                   std::to_string(kMaxStreams) + " streams");
  }
  d.streams[id] = new Stream(index, id);
  d.stream_count.store(id + 1);
  d.has_context.store(true);
  return *d.streams[id];
}

Stream* findStream(int32_t index, int64_t id) noexcept {
  if (g_rt == nullptr || index < 0 || index >= g_rt->config.device_count || id < 0 ||
      id >= kMaxStreams) {
    return nullptr;
  }
  return device(index).streams[id].load(std::memory_order_acquire);
}

Stream& lookupStream(int32_t index, int64_t id) {
  checkDevice(index);
  if (Stream* s = findStream(index, id)) return *s;
  throw Error(Err::NotFound, "stream " + std::to_string(id) + " does not exist on device " +
                                 std::to_string(index));
}

Stream& currentStream(int32_t index) {
  checkDevice(index);
  return lookupStream(index, thread().stream[index]);
}

void waitDevice(int32_t index) {
  forEachStream(device(index), [](Stream& s) { s.waitForSubmitted(); });
}

void synchronizeDevice(int32_t index) {
  checkDevice(index);
  waitDevice(index);
  std::optional<Error> first;
  size_t others = 0;
  forEachStream(device(index), [&](Stream& s) {
    std::optional<Error> error = s.takeError();
    if (error && first) ++others;
    if (error && !first) first = std::move(error);
  });
  if (!first || others == 0) {
    if (first) throw *first;
    return;
  }
  throw Error(first->code, first->what() + (" (and failures on " + std::to_string(others) +
                                            " other stream" + (others == 1 ? "" : "s") +
                                            " of device " + std::to_string(index) + ")"),
              first->detail);
}

}  // namespace sim
