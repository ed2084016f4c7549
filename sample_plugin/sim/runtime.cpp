// sim/runtime.cpp — the driver's lifetime, its devices, the calling thread's
// current device and stream, and stream lookup.
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
  if (errno != 0 || end == env || *end != '\0' || n < 0 || n > kMaxDevices) {
    throw Error(Err::BadValue, std::string("MTIA_SAMPLE_DEVICE_COUNT='") + env +
                                   "' is not a whole number from 0 to " + std::to_string(kMaxDevices));
  }
  return static_cast<int32_t>(n);
}

uint64_t readDeviceMemory() {
  const char* env = std::getenv("MTIA_SAMPLE_DEVICE_MEMORY");
  if (env == nullptr || *env == '\0') return Config{}.device_memory;
  char* end = nullptr;
  errno = 0;
  const uintmax_t n = std::strtoumax(env, &end, 10);
  uint64_t unit = 1;
  if (std::strcmp(end, "KiB") == 0) unit = uint64_t{1} << 10;
  if (std::strcmp(end, "MiB") == 0) unit = uint64_t{1} << 20;
  if (std::strcmp(end, "GiB") == 0) unit = uint64_t{1} << 30;
  const bool number = errno == 0 && end != env && *env >= '0' && *env <= '9' &&
                      (unit != 1 || *end == '\0');
  if (!number || n > (uint64_t{1024} << 30) / unit || n * unit < kSegment || n * unit % kSegment != 0) {
    throw Error(Err::BadValue, std::string("MTIA_SAMPLE_DEVICE_MEMORY='") + env +
                                   "' is not a device memory size: give bytes, or a whole number "
                                   "with a KiB, MiB or GiB suffix (e.g. 512MiB), that is a "
                                   "multiple of 2 MiB from 2 MiB to 1024 GiB");
  }
  return n * unit;
}

template <class Fn>
void forEachStream(Device& d, Fn&& fn) {
  for (auto& slot : d.streams) {
    if (Stream* s = slot.load(std::memory_order_acquire)) fn(*s);
  }
}

}  // namespace

void init() {
  if (g_rt != nullptr) throw Error(Err::BadState, "already initialised");
  auto rt = std::make_unique<Runtime>();
  rt->config = {readDeviceCount(), readDeviceMemory()};
  rt->memory.devices.resize(static_cast<size_t>(rt->config.device_count));
  for (int32_t i = 0; i < rt->config.device_count; ++i) {
    rt->devices.push_back(std::make_unique<Device>());
    rt->devices.back()->streams[0] = new Stream(i, 0);
    rt->memory.devices[static_cast<size_t>(i)].stats.total = rt->config.device_memory;
  }
  g_rt = rt.release();
  g_generation.store(++g_inits, std::memory_order_release);
}

void shutdown() {
  if (g_rt == nullptr) return;
  g_generation.store(~uint64_t{0}, std::memory_order_release);
  // Stop every stream first (dropping work not started and releasing waits
  // across streams), then join and free them.
  for (auto& d : g_rt->devices) forEachStream(*d, [](Stream& s) { s.stop(); });
  for (auto& d : g_rt->devices) forEachStream(*d, [](Stream& s) { delete &s; });
  delete g_rt;
  g_rt = nullptr;
}

bool initialized() noexcept { return g_rt != nullptr; }

Runtime& rt() {
  if (g_rt == nullptr) {
    throw Error(Err::Down, "the sample plugin is not initialised (or shut down)");
  }
  return *g_rt;
}

const Config& config() { return rt().config; }

void checkDevice(int32_t device) {
  const int32_t n = rt().config.device_count;
  if (device >= 0 && device < n) return;
  throw Error(Err::BadValue,
              "device index " + std::to_string(device) + " is out of range: " +
                  (n == 0 ? std::string("the sample plugin has no devices")
                          : "the sample plugin has " + std::to_string(n) + " devices (0.." +
                                std::to_string(n - 1) + ")"));
}

bool hasContext(int32_t device) {
  checkDevice(device);
  return g_rt->devices[static_cast<size_t>(device)]->has_context.load(std::memory_order_relaxed);
}

ThreadState& threadSlow() {
  rt();
  t_thread = ThreadState{};
  t_thread.generation = g_generation.load(std::memory_order_acquire);
  return t_thread;
}

int32_t exchangeDevice(int32_t device, bool create_context) {
  ThreadState& t = thread();
  checkDevice(device);
  std::atomic<bool>& context = g_rt->devices[static_cast<size_t>(device)]->has_context;
  if (create_context && !context.load(std::memory_order_relaxed)) context.store(true);
  return std::exchange(t.device, device);
}

void setDevice(int32_t device) { exchangeDevice(device, true); }

Stream& createStream(int32_t device, int32_t /*priority: every stream is equal*/) {
  checkDevice(device);
  Device& d = *g_rt->devices[static_cast<size_t>(device)];
  std::lock_guard<std::mutex> lock(d.streams_mutex);
  if (d.next_stream >= kMaxStreams) {
    throw Error(Err::NoMemory, "device " + std::to_string(device) + " already has the maximum of " +
                                   std::to_string(kMaxStreams) + " streams");
  }
  auto* s = new Stream(device, d.next_stream);
  d.streams[static_cast<size_t>(d.next_stream++)].store(s, std::memory_order_release);
  d.has_context.store(true);
  return *s;
}

Stream* findStream(int32_t device, int64_t id) noexcept {
  Runtime* r = g_rt;
  if (r == nullptr || device < 0 || device >= r->config.device_count || id < 0 || id >= kMaxStreams) {
    return nullptr;
  }
  return r->devices[static_cast<size_t>(device)]->streams[static_cast<size_t>(id)].load(
      std::memory_order_acquire);
}

Stream& lookupStream(int32_t device, int64_t id) {
  checkDevice(device);
  if (Stream* s = findStream(device, id)) return *s;
  throw Error(Err::NotFound, "stream " + std::to_string(id) + " does not exist on device " +
                                 std::to_string(device));
}

Stream& currentStream(int32_t device) {
  checkDevice(device);
  return lookupStream(device, thread().stream[device]);
}

void waitDevice(int32_t device) {
  forEachStream(*g_rt->devices[static_cast<size_t>(device)], [](Stream& s) { s.waitForSubmitted(); });
}

void synchronizeDevice(int32_t device) {
  checkDevice(device);
  waitDevice(device);
  std::optional<Error> first;
  size_t others = 0;
  forEachStream(*g_rt->devices[static_cast<size_t>(device)], [&](Stream& s) {
    std::optional<Error> error = s.takeError();
    if (error && first) ++others;
    if (error && !first) first = std::move(error);
  });
  if (!first) return;
  if (others == 0) throw *first;
  throw Error(first->code, first->what() + (" (and failures on " + std::to_string(others) +
              " other stream" + (others == 1 ? "" : "s") + " of device " +
              std::to_string(device) + ")"), first->detail);
}

}  // namespace sim
