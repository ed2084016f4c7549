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

const char* env(const char* name) {  // NULL when unset or empty
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

int32_t readDeviceCount() {
  const char* text = env("MTIA_SAMPLE_DEVICE_COUNT");
  if (text == nullptr) return Config{}.device_count;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(text, &end, 10);
  if (errno == 0 && end != text && *end == '\0' && n >= 0 && n <= kMaxDevices) return int32_t(n);
  throw Error(Err::BadValue,
              str("MTIA_SAMPLE_DEVICE_COUNT='", text, "' is not a whole number from 0 to ", kMaxDevices));
}

uint64_t readDeviceMemory() {
  const char* text = env("MTIA_SAMPLE_DEVICE_MEMORY");
  if (text == nullptr) return Config{}.device_memory;
  char* end = nullptr;
  errno = 0;
  const uintmax_t n = std::strtoumax(text, &end, 10);
  const int shift = std::strcmp(end, "KiB") == 0   ? 10
                    : std::strcmp(end, "MiB") == 0 ? 20
                    : std::strcmp(end, "GiB") == 0 ? 30
                    : *end == '\0'                 ? 0
                                                   : -1;
  const bool in_range = shift >= 0 && n <= (uint64_t{1024} << 30 >> shift);
  if (errno == 0 && *text >= '0' && *text <= '9' && in_range && n << shift >= kSegment &&
      (n << shift) % kSegment == 0) {
    return n << shift;
  }
  throw Error(Err::BadValue, str("MTIA_SAMPLE_DEVICE_MEMORY='", text,
                                 "' is not a device memory size: give bytes, or a whole number "
                                 "with a KiB, MiB or GiB suffix (e.g. 512MiB), that is a multiple "
                                 "of 2 MiB from 2 MiB to 1024 GiB"));
}

Device& device(int32_t index) { return *g_rt->devices[static_cast<size_t>(index)]; }

template <class Fn>
void forEachStream(int32_t index, Fn&& fn) {
  Device& d = device(index);
  for (int64_t id = 0, n = d.stream_count.load(); id < n; ++id) fn(*d.streams[id]);
}

}  // namespace

void init() {
  if (g_rt != nullptr) throw Error(Err::BadState, "already initialised");
  static uint64_t inits = 0;
  auto rt = std::make_unique<Runtime>();
  rt->config = {readDeviceCount(), readDeviceMemory()};
  for (int32_t i = 0; i < rt->config.device_count; ++i) {
    rt->devices.push_back(std::make_unique<Device>());
    rt->devices.back()->streams[0] = std::make_unique<Stream>(i, 0);  // the default stream
    rt->memory.devices.emplace_back().stats.total = rt->config.device_memory;
  }
  g_rt = rt.release();
  for (std::atomic<bool>& context : g_has_context) context.store(false);
  g_device_count.store(g_rt->config.device_count);
  g_generation.store(++inits);
}

void shutdown() {
  if (g_rt == nullptr) return;
  g_generation.store(0);
  g_device_count.store(0);
  // Mark every stream stopping before any drops its queue: a dropped event
  // record must not release a wait on another stream that then runs its work.
  // Deleting the runtime then joins the workers before it frees the memory.
  const int32_t n = g_rt->config.device_count;
  for (int32_t i = 0; i < n; ++i) forEachStream(i, [](Stream& s) { s.stopping = true; });
  for (int32_t i = 0; i < n; ++i) forEachStream(i, [](Stream& s) { s.stop(); });
  delete std::exchange(g_rt, nullptr);
}

bool initialized() noexcept { return g_rt != nullptr; }

Runtime& rt() {
  if (g_rt != nullptr) return *g_rt;
  throw Error(Err::Down, "the sample plugin is not initialised (or shut down)");
}

const Config& config() { return rt().config; }

void badDevice(int32_t index) {
  const int32_t n = rt().config.device_count;
  throw Error(Err::BadValue, str("device index ", index, " is out of range: the sample plugin has ",
                                 n == 0 ? "no devices" : str(n, " devices (0..", n - 1, ")")));
}

ThreadState& freshThread() noexcept {
  t_thread = ThreadState{g_generation.load(std::memory_order_relaxed), 0, {}};
  return t_thread;
}

Stream& createStream(int32_t index) {
  checkDevice(index);
  Device& d = device(index);
  std::lock_guard<std::mutex> lock(d.streams_mutex);
  const int64_t id = d.stream_count.load();
  if (id == kMaxStreams) {
    throw Error(Err::NoMemory,
                str("device ", index, " already has the maximum of ", kMaxStreams, " streams"));
  }
  d.streams[id] = std::make_unique<Stream>(index, id);
  d.stream_count.store(id + 1);  // publishes the stream to findStream
  g_has_context[index].store(true, std::memory_order_relaxed);
  return *d.streams[id];
}

Stream& findStream(int32_t index, int64_t id) {
  checkDevice(index);
  Device& d = device(index);
  if (id >= 0 && id < d.stream_count.load()) return *d.streams[id];
  throw Error(Err::NotFound, str("stream ", id, " does not exist on device ", index));
}

void waitDevice(int32_t index) {
  forEachStream(index, [](Stream& s) { s.waitForSubmitted(); });
}

void synchronizeDevice(int32_t index) {
  checkDevice(index);
  waitDevice(index);
  std::vector<Error> errors;  // each stream's first failure
  forEachStream(index, [&](Stream& s) {
    if (std::optional<Error> error = s.takeError()) errors.push_back(std::move(*error));
  });
  if (errors.empty()) return;
  const size_t others = errors.size() - 1;
  if (others == 0) throw errors[0];
  throw errors[0].with(str(" (and failures on ", others, " other stream", others == 1 ? "" : "s",
                           " of device ", index, ")"));
}

}  // namespace sim
