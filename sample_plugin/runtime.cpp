#include "runtime.h"

#include "memory.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace mtia_sample {

Runtime* g_runtime = nullptr;
std::atomic<uint64_t> g_generation{0};
const mtia_host_services_t* g_host = nullptr;
std::atomic<int32_t> g_device_count{0};
std::array<DeviceAllocator*, kMaxDevices> g_device_memory{};

// Per-thread state: t_state (runtime.h) is the raw pointer read on the hot
// path; this owner frees the state at thread exit.

namespace {

struct ThreadStateOwner {
  std::unique_ptr<ThreadState> state;
  ~ThreadStateOwner() { t_state = nullptr; }
};
thread_local ThreadStateOwner t_owner;

}  // namespace

Config readConfig() {
  Config config;
  if (const char* env = std::getenv("MTIA_SAMPLE_DEVICE_COUNT"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(env, &end, 10);
    if (errno != 0 || end == env || *end != '\0' || n < 0 || n > kMaxDevices) {
      throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                    std::string("MTIA_SAMPLE_DEVICE_COUNT='") + env +
                        "' is not a whole number from 0 to " + std::to_string(kMaxDevices));
    }
    config.device_count = static_cast<int32_t>(n);
  }
  config.device_memory_bytes = readDeviceMemoryConfig();
  if (const char* env = std::getenv("MTIA_SAMPLE_BIASED_LOCKS"); env != nullptr && *env != '\0') {
    if (std::strcmp(env, "0") != 0 && std::strcmp(env, "1") != 0) {
      throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                    std::string("MTIA_SAMPLE_BIASED_LOCKS='") + env +
                        "' is not 0 or 1: 1 (the default) lets the thread driving a device "
                        "take its allocator's lock without atomic operations, 0 makes it a "
                        "plain mutex");
    }
    config.biased_locks = *env == '1';
  }
  return config;
}

Runtime::Runtime(const Config& config) : config_(config), device_count_(config.device_count) {
  for (int32_t i = 0; i < device_count_; ++i) {
    auto device = std::make_unique<SampleDevice>();
    device->memory =
        std::make_unique<DeviceAllocator>(i, config.device_memory_bytes, config.biased_locks);
    device->streams[0].store(new SampleStream{0, i, 0}, std::memory_order_release);
    g_device_memory[static_cast<size_t>(i)] = device->memory.get();
    devices_[static_cast<size_t>(i)] = std::move(device);
  }
}

namespace {

// Calls fn(stream) for every existing stream of `device`, in id order.
template <class Fn>
void forEachStream(SampleDevice& device, Fn&& fn) {
  for (auto& slot : device.streams) {
    if (SampleStream* s = slot.load(std::memory_order_acquire)) fn(*s);
  }
}

}  // namespace

Runtime::~Runtime() {
  // Stop every worker first (dropping work not yet started and releasing
  // cross-stream waits), then join them, then free the streams.
  for (auto& device : devices_) {
    if (device) forEachStream(*device, [](SampleStream& s) { s.exec.stop(); });
  }
  for (auto& device : devices_) {
    if (device) forEachStream(*device, [](SampleStream& s) { s.exec.join(); });
  }
  for (auto& device : devices_) {
    if (device) forEachStream(*device, [](SampleStream& s) { delete &s; });
  }
  // Only now: until the workers were joined, their range checks read it.
  g_device_memory = {};
}

void Runtime::checkDevice(int32_t index) const {
  if (index < 0 || index >= device_count_) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  "device index " + std::to_string(index) + " is out of range: " +
                      (device_count_ == 0 ? std::string("the sample plugin has no devices")
                                          : "the sample plugin has " +
                                                std::to_string(device_count_) + " devices (0.." +
                                                std::to_string(device_count_ - 1) + ")"));
  }
}

SampleStream& Runtime::createStream(int32_t device, int32_t priority) {
  checkDevice(device);
  SampleDevice& d = this->device(device);
  std::lock_guard<std::mutex> lock(d.streams_mutex);
  if (d.next_stream_id >= kMaxStreamsPerDevice) {
    throw Failure(MTIA_STATUS_OUT_OF_MEMORY,
                  "device " + std::to_string(device) + " already has the maximum of " +
                      std::to_string(kMaxStreamsPerDevice) + " streams");
  }
  const int64_t id = d.next_stream_id++;
  auto* stream = new SampleStream{id, device, priority};
  d.streams[static_cast<size_t>(id)].store(stream, std::memory_order_release);
  d.has_context.store(true, std::memory_order_relaxed);
  return *stream;
}

SampleStream& Runtime::lookupStream(mtia_stream_t stream) const {
  if (stream.device_type != MTIA_DEVICE_TYPE_MTIA) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  "stream device type " + std::to_string(stream.device_type) + " is not MTIA (" +
                      std::to_string(MTIA_DEVICE_TYPE_MTIA) + ")");
  }
  checkDevice(stream.device_index);
  SampleStream* s = findStream(stream.device_index, stream.stream_id);
  if (s == nullptr) {
    throw Failure(MTIA_STATUS_NOT_FOUND, "stream " + std::to_string(stream.stream_id) +
                                             " does not exist on device " +
                                             std::to_string(stream.device_index));
  }
  return *s;
}

void Runtime::synchronizeDevice(int32_t device) {
  checkDevice(device);
  SampleDevice& d = this->device(device);
  // Snapshot every stream's submissions first: work submitted during the
  // wait is not waited for.
  std::vector<std::pair<SampleStream*, uint64_t>> targets;
  forEachStream(d, [&](SampleStream& s) { targets.emplace_back(&s, s.exec.submitted()); });
  for (const auto& [stream, target] : targets) stream->exec.waitFor(target);
  mtia_status_t first_code = MTIA_STATUS_OK;
  std::string first;
  size_t others = 0;
  for (const auto& target : targets) {
    mtia_status_t code = MTIA_STATUS_OK;
    std::string message = target.first->exec.takeError(&code);
    if (code == MTIA_STATUS_OK) continue;
    if (first_code == MTIA_STATUS_OK) {
      first_code = code;
      first = std::move(message);
    } else {
      ++others;
    }
  }
  if (first_code == MTIA_STATUS_OK) return;
  if (others > 0) {
    first += " (and failures on " + std::to_string(others) + " other stream" +
             (others == 1 ? "" : "s") + " of device " + std::to_string(device) + ")";
  }
  throw Failure(first_code, first);
}

Runtime& runtime() {
  Runtime* rt = g_runtime;
  if (rt == nullptr) {
    throw Failure(MTIA_STATUS_UNAVAILABLE, "the sample plugin is not initialised (or shut down)");
  }
  return *rt;
}

ThreadState& threadStateSlow() {
  const uint64_t generation = g_generation.load(std::memory_order_acquire);
  ThreadState* state = t_state;
  if (state == nullptr) {
    t_owner.state = std::make_unique<ThreadState>();
    state = t_owner.state.get();
    t_state = state;
  }
  if (state->generation != generation) {
    *state = ThreadState{};
    state->generation = generation;
  }
  return *state;
}

void log(mtia_log_level_t level, const std::string& message) noexcept {
  if (g_host != nullptr && g_host->log != nullptr) g_host->log(g_host->host_data, level, message.c_str());
}

}  // namespace mtia_sample
