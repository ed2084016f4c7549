// memory.cpp — the memory group: the driver's caching allocator (docs/memory.md), its
// statistics, history and snapshot as PyTorch's JSON shapes, OOM observers, pinned memory.
#include "binding.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sample {

using nlohmann::json;

static json statsJson(const sim::MemoryStats& s) {
  return {{"dram", {{"allocated_bytes", s.allocated}, {"peak_bytes", s.peak_allocated},
                    {"requested_bytes", s.requested}, {"peak_requested_bytes", s.peak_requested},
                    {"reserved_bytes", s.reserved}, {"peak_reserved_bytes", s.peak_reserved},
                    {"cached_bytes", s.reserved - s.allocated}, {"total_bytes", s.total},
                    {"free_bytes", s.total - s.reserved}, {"num_alloc_retries", s.num_alloc_retries},
                    {"active_allocations", s.num_allocs - s.num_frees}, {"num_allocs", s.num_allocs},
                    {"num_frees", s.num_frees}, {"num_ooms", s.num_ooms}, {"segments", s.segments},
                    {"num_segment_allocs", s.num_segment_allocs},
                    {"num_segment_frees", s.num_segment_frees}}}};
}

// PyTorch's arguments: enabled NULL (off), "state" or "all"; stacks verbatim.
static sim::HistoryConfig historyConfig(const char* enabled, const char* stacks, uint64_t max_entries) {
  if (enabled == nullptr) return {};
  const std::string e = enabled, s = stacks != nullptr ? stacks : "";
  const auto refuse = [](const std::string& why) { throw Failure(MTIA_STATUS_INVALID_ARGUMENT, why); };
  if (e != "state" && e != "all") refuse("enabled='" + e + "' is not one of null, \"state\" or \"all\"");
  if (s != "python" && s != "cpp" && s != "all" && !s.empty()) {
    refuse("stacks='" + s + "' is not one of \"python\", \"cpp\", \"all\" or \"\"");
  }
  if (max_entries == 0) refuse("max_entries is 0: the history must hold at least one entry");
  return {e == "all" ? sim::History::All : sim::History::State, s, max_entries};
}

static json segmentJson(const char* base, const sim::Segment& seg) {
  json blocks = json::array();
  uint64_t allocated = 0, requested = 0;
  for (const auto& [p, b] : seg.blocks) {
    json block = {{"address", sim::address(p)}, {"size", b.size}, {"requested_size", b.requested},
                  {"state", b.allocated ? "active_allocated" : "inactive"}};
    if (b.alloc_seq != 0) block["alloc_seq"] = b.alloc_seq;
    blocks.push_back(std::move(block));
    allocated += b.allocated ? b.size : 0;
    requested += b.requested;  // 0 for a free block
  }
  return {{"device", seg.device}, {"address", sim::address(base)}, {"total_size", seg.size},
          {"allocated_size", allocated}, {"requested_size", requested},
          {"segment_type", seg.small ? "small" : "large"}, {"blocks", std::move(blocks)}};
}

// PyTorch's shape: segments (by device, then address), a trace per device, the history settings.
static json snapshotJson(const sim::Snapshot& snap) {
  json segments = json::array(), traces = json::array();
  for (size_t d = 0; d < snap.traces.size(); ++d) {
    for (const auto& [base, seg] : snap.segments) {
      if (seg.device == static_cast<int32_t>(d)) segments.push_back(segmentJson(base, seg));
    }
    json events = json::array();
    for (const sim::TraceEvent& e : snap.traces[d]) {
      events.push_back({{"action", e.action}, {"addr", e.addr}, {"size", e.size}, {"seq", e.seq}});
    }
    traces.push_back(std::move(events));
  }
  const sim::History mode = snap.history.mode;
  const json enabled =
      mode == sim::History::Off ? json(nullptr) : json(mode == sim::History::All ? "all" : "state");
  return {{"segments", std::move(segments)}, {"device_traces", std::move(traces)},
          {"history", {{"enabled", enabled}, {"stacks", snap.history.stacks},
                       {"max_entries", snap.history.max_entries}}}};
}

static void writeFile(const char* path, const std::string& text) {
  if (*path == '\0') {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  "local_path is empty: pass a file path, or NULL to skip the file");
  }
  std::FILE* file = std::fopen(path, "wb");
  const bool written = file != nullptr && std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (file != nullptr && std::fclose(file) == 0 && written) return;
  throw Failure(MTIA_STATUS_INVALID_ARGUMENT,  // errno: the first call that failed
                str("cannot write the memory snapshot to '", path, "': ", std::strerror(errno)));
}

void addMemorySlots(mtia_plugin_api_t& t) noexcept {
  t.device_alloc = [](int32_t device, size_t size, void** out_ptr) noexcept {
    return slot([&] {
      out(out_ptr, "out") = nullptr;
      sim::checkDevice(device);
      if (size != 0) *out_ptr = sim::deviceAlloc(device, size);
    });
  };
  t.device_free = [](void* ptr) noexcept {
    return slot([&] { if (ptr != nullptr) sim::deviceFree(ptr); });
  };
  t.memory_stats = [](int32_t device, const mtia_sink_t* out) noexcept {
    return slot([&] { write_to(out, statsJson(sim::memoryStats(device)).dump()); });
  };
  t.reset_peak_memory_stats = [](int32_t device) noexcept {
    return slot([&] { sim::resetPeakStats(device); });
  };
  t.empty_cache = []() noexcept { return slot([] { sim::emptyCache(); }); };
  t.record_memory_history = [](const char* enabled, const char* stacks, uint64_t max_entries) noexcept {
    return slot([&] { sim::recordHistory(historyConfig(enabled, stacks, max_entries)); });
  };
  t.memory_snapshot = [](const char* local_path, const mtia_sink_t* out) noexcept {
    return slot([&] {
      const std::string text = snapshotJson(sim::snapshot()).dump();
      if (local_path != nullptr) writeFile(local_path, text);
      write_to(out, text);
    });
  };
  t.attach_oom_observer = [](mtia_oom_observer_fn observer, void* user_data) noexcept {
    return slot([&] { sim::addOomObserver(observer, user_data); });
  };
  t.is_pinned_ptr = [](const void* ptr) noexcept { return ptr != nullptr && sim::isPinned(ptr); };
  t.pinned_alloc = [](size_t size, void** out_ptr) noexcept {
    return slot([&] {
      out(out_ptr, "out") = nullptr;
      sim::config();  // fails when not initialised, even for size 0
      if (size != 0) *out_ptr = sim::pinnedAlloc(size);
    });
  };
  t.pinned_free = [](void* ptr) noexcept {
    return slot([&] {
      sim::config();
      if (ptr != nullptr) sim::pinnedFree(ptr);
    });
  };
}

}  // namespace sample
