// sim/runtime.cpp — the driver's lifetime and configuration, its devices, the
// calling thread's current device, and the streams of each device.
#include "driver.h"

#include <cerrno>
#include <cinttypes>
#include <cstdlib>

namespace sim {

static Runtime* g_rt = nullptr;

// The whole number in environment variable `name` (`fallback` when unset or empty);
// Err::BadValue saying what is `expected` unless it is a multiple of `step` in [min, max].
static uint64_t readNumber(const char* name, uint64_t fallback, uint64_t min, uint64_t max,
                           uint64_t step, const std::string& expected) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const uintmax_t n = std::strtoumax(text, &end, 10);
  if (errno == 0 && *text >= '0' && *text <= '9' && *end == '\0' && n >= min && n <= max &&
      n % step == 0) {
    return n;
  }
  throw Error(Err::BadValue, str(name, "='", text, "' is not ", expected));
}

static Device& device(int32_t index) { return *g_rt->devices[static_cast<size_t>(index)]; }

template <class Fn>
static void forEachStream(int32_t index, Fn&& fn) {
  Device& d = device(index);
  for (int64_t id = 0, n = d.stream_count.load(); id < n; ++id) fn(*d.streams[id]);
}

void init() {
  if (g_rt != nullptr) throw Error(Err::BadState, "already initialised");
  static uint64_t inits = 0;
  auto rt = std::make_unique<Runtime>();
  const Config c{};
  constexpr uint64_t kMaxMemory = uint64_t{1} << 40;
  rt->config = {int32_t(readNumber("MTIA_SAMPLE_DEVICE_COUNT", c.device_count, 0, kMaxDevices, 1,
                                   str("a whole number from 0 to ", kMaxDevices))),
                readNumber("MTIA_SAMPLE_DEVICE_MEMORY", c.device_memory, kSegment, kMaxMemory, kSegment,
                           str("a number of bytes that is a multiple of ", kSegment, " (2 MiB) from ",
                               kSegment, " to ", kMaxMemory, " (1 TiB)"))};
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
const Config& config() { return rt().config; }

Runtime& rt() {
  if (g_rt != nullptr) return *g_rt;
  throw Error(Err::Down, "the sample plugin is not initialised (or shut down)");
}

void badDevice(int32_t index) {
  const int32_t n = rt().config.device_count;
  throw Error(Err::BadValue, str("device index ", index, " is out of range: the sample plugin has ",
                                 n == 0 ? "no devices" : str(n, " devices (0..", n - 1, ")")));
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

void waitDevice(int32_t index) { forEachStream(index, [](Stream& s) { s.waitForSubmitted(); }); }

void synchronizeDevice(int32_t index) {
  checkDevice(index);
  waitDevice(index);
  // The first failing stream reports its failure; the others keep theirs for their next synchronize.
  forEachStream(index, [](Stream& s) {
    if (std::optional<Error> error = s.takeError()) throw *error;
  });
}

}  // namespace sim
