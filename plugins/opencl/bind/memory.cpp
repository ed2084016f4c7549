// memory.cpp — the memory group: device memory (runtime/memory.h), pinned
// host memory, statistics, history, snapshots and OOM observers.
#include "bind.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

namespace mtia_ocl {

namespace {

// ---- OOM observers -----------------------------------------------------------

std::mutex g_observers_mutex;
std::vector<std::pair<mtia_oom_observer_fn, void*>> g_observers;

void notifyOom(int32_t device, const OomReport& oom) {
  std::vector<std::pair<mtia_oom_observer_fn, void*>> observers;
  {
    std::lock_guard<std::mutex> lock(g_observers_mutex);
    observers = g_observers;
  }
  for (const auto& [fn, user_data] : observers) fn(user_data, device, oom.requested, oom.total, oom.free);
}

std::string oomMessage(int32_t device, const OomReport& oom) {
  std::string text = "out of memory on device " + std::to_string(device) + ": tried to allocate " +
                     std::to_string(oom.requested) + " bytes";
  if (!oom.reason.empty()) return text + ", " + oom.reason;
  return text + " but only " + std::to_string(oom.free) + " of the device's " +
         std::to_string(oom.total) + " bytes (CL_DEVICE_GLOBAL_MEM_SIZE) are free";
}

// ---- device memory -------------------------------------------------------------

mtia_status_t device_alloc(int32_t device, size_t size, void** out) noexcept {
  return guard([&] {
    if (out == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    Runtime& rt = runtime();
    rt.checkDevice(device);
    if (size == 0) return;
    OomReport oom;
    if (void* p = rt.memory().allocate(device, size, &oom)) {
      *out = p;
      return;
    }
    notifyOom(device, oom);
    throw Failure(MTIA_STATUS_OUT_OF_MEMORY, oomMessage(device, oom));
  });
}

mtia_status_t device_free(void* ptr) noexcept {
  return guard([&] {
    Runtime& rt = runtime();
    if (ptr != nullptr) rt.memory().free(ptr);
  });
}

int32_t checkedDevice(int32_t device) {
  runtime().checkDevice(device);
  return device;
}

mtia_status_t memory_stats(int32_t device, const mtia_sink_t* out) noexcept {
  return guard([&] {
    const DeviceMemoryStats s = runtime().memory().stats(checkedDevice(device));
    // No caching: reserved == allocated, exactly what the live buffers hold.
    const nlohmann::json stats = {{"dram",
                                   {{"allocated_bytes", s.allocated_bytes},
                                    {"peak_bytes", s.peak_bytes},
                                    {"reserved_bytes", s.allocated_bytes},
                                    {"cached_bytes", 0},
                                    {"total_bytes", s.total_bytes},
                                    {"free_bytes", s.total_bytes - s.allocated_bytes},
                                    {"active_allocations", s.active_allocations},
                                    {"num_allocs", s.num_allocs},
                                    {"num_frees", s.num_frees},
                                    {"num_ooms", s.num_ooms}}}};
    write_to(out, stats.dump());
  });
}

mtia_status_t reset_peak_memory_stats(int32_t device) noexcept {
  return guard([&] { runtime().memory().resetPeak(checkedDevice(device)); });
}

mtia_status_t empty_cache() noexcept {
  return guard([] { runtime(); });  // freed buffers go back to OpenCL at once: nothing is cached
}

mtia_status_t record_memory_history(const char* enabled, const char* stacks,
                                    uint64_t max_entries) noexcept {
  return guard([&] {
    HistoryConfig config;
    if (enabled != nullptr) {
      config.enabled = enabled;
      if (config.enabled != "state" && config.enabled != "all") {
        throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "enabled='" + config.enabled +
                                                        "' is not NULL, \"state\" or \"all\"");
      }
    }
    config.stacks = stacks != nullptr ? stacks : "";
    if (config.stacks != "" && config.stacks != "python" && config.stacks != "cpp" &&
        config.stacks != "all") {
      throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                    "stacks='" + config.stacks + "' is not \"python\", \"cpp\", \"all\" or \"\"");
    }
    config.max_entries = max_entries;
    runtime().memory().setHistory(std::move(config));
  });
}

nlohmann::json snapshotJson(const DeviceMemory& memory) {
  nlohmann::json segments = nlohmann::json::array();
  for (const BlockView& b : memory.blocks()) {  // one buffer: one segment of one block
    nlohmann::json block = {{"address", b.address},
                            {"size", b.size},
                            {"requested_size", b.size},
                            {"state", "active_allocated"},
                            {"alloc_seq", b.seq}};
    segments.push_back({{"device", b.device},
                        {"address", b.address},
                        {"total_size", b.size},
                        {"allocated_size", b.size},
                        {"requested_size", b.size},
                        {"segment_type", "large"},
                        {"blocks", nlohmann::json::array({block})}});
  }
  nlohmann::json traces = nlohmann::json::array();
  for (const std::vector<TraceEvent>& trace : memory.traces()) {
    nlohmann::json events = nlohmann::json::array();
    for (const TraceEvent& e : trace) {
      events.push_back({{"action", e.action}, {"addr", e.addr}, {"size", e.size}, {"seq", e.seq}});
    }
    traces.push_back(std::move(events));
  }
  const HistoryConfig h = memory.history();
  return {{"segments", std::move(segments)},
          {"device_traces", std::move(traces)},
          {"history",
           {{"enabled", h.enabled.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.enabled)},
            {"stacks", h.stacks},
            {"max_entries", h.max_entries}}}};
}

void writeFile(const char* path, const std::string& text) {
  if (*path == '\0') {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  "local_path is empty: pass a file path, or NULL to skip the file");
  }
  std::FILE* file = std::fopen(path, "wb");
  bool ok = file != nullptr && std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const int error = errno;
  if (file != nullptr && std::fclose(file) != 0) ok = false;
  if (!ok) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT, std::string("cannot write the memory snapshot to '") +
                                                    path + "': " + std::strerror(error));
  }
}

mtia_status_t memory_snapshot(const char* local_path, const mtia_sink_t* out) noexcept {
  return guard([&] {
    Runtime& rt = runtime();
    const std::string text =
        rt.deviceCount() == 0
            ? nlohmann::json{{"segments", nlohmann::json::array()},
                             {"device_traces", nlohmann::json::array()},
                             {"history", {{"enabled", nullptr}, {"stacks", ""}, {"max_entries", 0}}}}
                  .dump()
            : snapshotJson(rt.memory()).dump();
    if (local_path != nullptr) writeFile(local_path, text);
    write_to(out, text);
  });
}

mtia_status_t attach_oom_observer(mtia_oom_observer_fn observer, void* user_data) noexcept {
  return guard([&] {
    runtime();
    if (observer == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "observer is NULL");
    std::lock_guard<std::mutex> lock(g_observers_mutex);
    g_observers.emplace_back(observer, user_data);
  });
}

// ---- pinned host memory ------------------------------------------------------

bool is_pinned_ptr(const void* ptr) noexcept {
  return guard_value<bool>(false, [&] {
    Runtime* rt = g_runtime;
    return ptr != nullptr && rt != nullptr && rt->deviceCount() > 0 && rt->pinned().contains(ptr);
  });
}

mtia_status_t pinned_alloc(size_t size, void** out) noexcept {
  return guard([&] {
    if (out == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    Runtime& rt = runtime();
    if (size != 0) *out = rt.pinned().allocate(size);
  });
}

mtia_status_t pinned_free(void* ptr) noexcept {
  return guard([&] {
    Runtime& rt = runtime();
    if (ptr != nullptr) rt.pinned().free(ptr);
  });
}

}  // namespace

void clearOomObservers() noexcept {
  std::lock_guard<std::mutex> lock(g_observers_mutex);
  g_observers.clear();
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

}  // namespace mtia_ocl
