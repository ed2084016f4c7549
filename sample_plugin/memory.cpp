// memory.cpp — the memory group's slots: device memory through each device's
// caching allocator, statistics, history and snapshots, OOM observers and
// pinned host memory. Every slot is noexcept (mtia::plugin::guard).
#include "memory.h"

#include "memory_snapshot.h"
#include "runtime.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace mtia_sample {

using mtia::plugin::guard;
using mtia::plugin::write_to;

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kMaxDeviceMemoryBytes = uint64_t{1024} << 30;

// The device's allocator; throws the precise error for a bad device.
DeviceAllocator& allocatorOf(int32_t device) {
  if (__builtin_expect(!validDevice(device), 0)) runtime().checkDevice(device);
  return *g_device_memory[static_cast<size_t>(device)];
}

template <class Fn>
void forEachAllocator(Fn&& fn) {
  Runtime& rt = runtime();
  for (int32_t d = 0; d < rt.deviceCount(); ++d) fn(*g_device_memory[static_cast<size_t>(d)]);
}

// "12345 bytes (12.06 KiB)"; below 1 KiB just "512 bytes".
std::string describeBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  std::string text = std::to_string(bytes) + " bytes";
  if (bytes < 1024) return text;
  double value = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) value /= 1024.0, ++unit;
  char human[32];
  std::snprintf(human, sizeof(human), " (%.2f %s)", value, kUnits[unit]);
  return text + human;
}

std::string oomMessage(int32_t device, const OomReport& oom) {
  std::string text = "out of memory on device " + std::to_string(device) + ": tried to allocate " +
                     describeBytes(oom.requested);
  if (oom.needed != oom.requested) {
    text += ", which needs a new " + std::to_string(oom.needed) + "-byte segment,";
  }
  return text + " but only " + describeBytes(oom.free) + " of the device's " +
         describeBytes(oom.total) + " are free (" + std::to_string(oom.allocated) +
         " bytes allocated, " + std::to_string(oom.cached) +
         " bytes cached in partly used segments); free device memory or raise "
         "MTIA_SAMPLE_DEVICE_MEMORY";
}

// ---- device memory ----------------------------------------------------------

// Everything but the cached path: argument errors, carving, large blocks, OOM.
__attribute__((noinline)) mtia_status_t deviceAllocSlow(int32_t device, size_t size,
                                                       void** out) noexcept {
  return guard([&] {
    if (out == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    DeviceAllocator& memory = allocatorOf(device);
    if (size == 0) return;
    OomReport oom;
    if (void* p = memory.allocate(size, oom)) {
      *out = p;
      return;
    }
    runtime().oom_observers.notify(device, oom);
    throw Failure(MTIA_STATUS_OUT_OF_MEMORY, oomMessage(device, oom));
  });
}

mtia_status_t device_alloc(int32_t device, size_t size, void** out) noexcept {
  if (__builtin_expect(out != nullptr && validDevice(device), 1)) {
    if (void* p = g_device_memory[static_cast<size_t>(device)]->allocateCached(size)) {
      *out = p;
      return MTIA_STATUS_OK;
    }
  }
  return deviceAllocSlow(device, size, out);
}

__attribute__((noinline)) mtia_status_t deviceFreeSlow(void* ptr) noexcept {
  return guard([&] {
    if (ptr == nullptr) return;
    const int32_t device = deviceOfAddress(ptr);
    if (__builtin_expect(!validDevice(device), 0)) {
      runtime();  // not initialised: says so
      throw notDeviceMemory(ptr);
    }
    g_device_memory[static_cast<size_t>(device)]->free(ptr);
  });
}

mtia_status_t device_free(void* ptr) noexcept {
  const int32_t device = deviceOfAddress(ptr);
  if (__builtin_expect(validDevice(device), 1) &&
      g_device_memory[static_cast<size_t>(device)]->freeCached(ptr)) {
    return MTIA_STATUS_OK;
  }
  return deviceFreeSlow(ptr);
}

mtia_status_t memory_stats(int32_t device, const mtia_sink_t* out) noexcept {
  return guard([&] { write_to(out, memoryStatsJson(allocatorOf(device).stats()).dump()); });
}

mtia_status_t reset_peak_memory_stats(int32_t device) noexcept {
  return guard([&] { allocatorOf(device).resetPeakStats(); });
}

mtia_status_t empty_cache() noexcept {
  return guard([] { forEachAllocator([](DeviceAllocator& memory) { memory.emptyCache(); }); });
}

mtia_status_t record_memory_history(const char* enabled, const char* stacks,
                                    uint64_t max_entries) noexcept {
  return guard([&] {
    const HistoryConfig config = parseHistoryConfig(enabled, stacks, max_entries);
    forEachAllocator([&](DeviceAllocator& memory) { memory.setHistory(config); });
  });
}

mtia_status_t memory_snapshot(const char* local_path, const mtia_sink_t* out) noexcept {
  return guard([&] {
    std::vector<DeviceView> views;
    forEachAllocator([&](const DeviceAllocator& memory) { views.push_back(memory.view()); });
    const std::string text = memorySnapshotJson(views).dump();
    if (local_path != nullptr) writeSnapshotFile(local_path, text);
    write_to(out, text);
  });
}

mtia_status_t attach_oom_observer(mtia_oom_observer_fn observer, void* user_data) noexcept {
  return guard([&] { runtime().oom_observers.add(observer, user_data); });
}

// ---- pinned host memory -----------------------------------------------------

bool is_pinned_ptr(const void* ptr) noexcept {
  Runtime* rt = g_runtime;
  return ptr != nullptr && rt != nullptr && rt->pinned.contains(ptr);
}

mtia_status_t pinned_alloc(size_t size, void** out) noexcept {
  return guard([&] {
    if (out == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    Runtime& rt = runtime();
    if (size != 0) *out = rt.pinned.allocate(size);
  });
}

mtia_status_t pinned_free(void* ptr) noexcept {
  return guard([&] {
    Runtime& rt = runtime();
    if (ptr != nullptr) rt.pinned.free(ptr);
  });
}

}  // namespace

bool findDeviceRange(const void* ptr, size_t bytes, int32_t* device_out) noexcept {
  Runtime* rt = g_runtime;
  if (rt == nullptr) return false;
  const int32_t device = deviceOfAddress(ptr);
  if (device < 0 || device >= rt->deviceCount()) return false;
  if (!g_device_memory[static_cast<size_t>(device)]->contains(ptr, bytes)) return false;
  if (device_out != nullptr) *device_out = device;
  return true;
}

uint64_t readDeviceMemoryConfig() {
  const char* env = std::getenv("MTIA_SAMPLE_DEVICE_MEMORY");
  if (env == nullptr || *env == '\0') return kDefaultDeviceMemoryBytes;
  char* end = nullptr;
  errno = 0;
  const uintmax_t n = std::strtoumax(env, &end, 10);
  uint64_t unit = 1;
  if (std::strcmp(end, "KiB") == 0) unit = uint64_t{1} << 10;
  if (std::strcmp(end, "MiB") == 0) unit = uint64_t{1} << 20;
  if (std::strcmp(end, "GiB") == 0) unit = uint64_t{1} << 30;
  const bool number = errno == 0 && end != env && *env >= '0' && *env <= '9' &&
                      (unit != 1 || *end == '\0');
  if (!number || n > kMaxDeviceMemoryBytes / unit || n * unit < kSegmentUnit ||
      n * unit % kSegmentUnit != 0) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  std::string("MTIA_SAMPLE_DEVICE_MEMORY='") + env +
                      "' is not a device memory size: give bytes, or a whole number with a KiB, "
                      "MiB or GiB suffix (e.g. 512MiB), that is a multiple of 2 MiB from 2 MiB "
                      "to 1024 GiB");
  }
  static_assert(kSegmentUnit == 2 * kMiB, "the message says 2 MiB");
  return n * unit;
}

void fillMemorySlots(mtia_plugin_api_t& t) noexcept {
  t.is_pinned_ptr = &is_pinned_ptr;
  t.pinned_alloc = &pinned_alloc;
  t.pinned_free = &pinned_free;
  t.device_alloc = &device_alloc;
  t.device_free = &device_free;
  t.memory_stats = &memory_stats;
  t.empty_cache = &empty_cache;
  t.record_memory_history = &record_memory_history;
  t.memory_snapshot = &memory_snapshot;
  t.reset_peak_memory_stats = &reset_peak_memory_stats;
  t.attach_oom_observer = &attach_oom_observer;
}

}  // namespace mtia_sample
