#include "memory_snapshot.h"

#include <mtia/plugin_support.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mtia_sample {

using mtia::plugin::Failure;

nlohmann::json memoryStatsJson(const DeviceMemoryStats& s) {
  return {{"dram",
           {
               {"allocated_bytes", s.allocated_bytes},
               {"peak_bytes", s.peak_allocated_bytes},
               {"requested_bytes", s.requested_bytes},
               {"peak_requested_bytes", s.peak_requested_bytes},
               {"reserved_bytes", s.reserved_bytes},
               {"peak_reserved_bytes", s.peak_reserved_bytes},
               {"cached_bytes", s.reserved_bytes - s.allocated_bytes},
               {"total_bytes", s.total_bytes},
               {"free_bytes", s.total_bytes - s.reserved_bytes},
               {"active_allocations", s.active_allocations},
               {"segments", s.segments},
               {"num_allocs", s.num_allocs},
               {"num_frees", s.num_frees},
               {"num_ooms", s.num_ooms},
               {"num_alloc_retries", s.num_alloc_retries},
               {"num_segment_allocs", s.num_segment_allocs},
               {"num_segment_frees", s.num_segment_frees},
           }}};
}

namespace {

nlohmann::json segmentJson(int32_t device, const SegmentView& seg) {
  nlohmann::json blocks = nlohmann::json::array();
  uint64_t allocated = 0, requested = 0;
  for (const BlockView& b : seg.blocks) {
    nlohmann::json block = {{"address", b.address},
                            {"size", b.size},
                            {"requested_size", b.requested},
                            {"state", b.allocated ? "active_allocated" : "inactive"}};
    if (b.alloc_seq != 0) block["alloc_seq"] = b.alloc_seq;
    blocks.push_back(std::move(block));
    if (b.allocated) allocated += b.size, requested += b.requested;
  }
  nlohmann::json out = {{"device", device},
                        {"address", seg.address},
                        {"total_size", seg.size},
                        {"allocated_size", allocated},
                        {"requested_size", requested},
                        {"segment_type", seg.small ? "small" : "large"},
                        {"blocks", std::move(blocks)}};
  if (seg.small) out["block_size"] = seg.block_size;
  return out;
}

nlohmann::json traceJson(const std::vector<TraceEvent>& trace) {
  nlohmann::json events = nlohmann::json::array();
  for (const TraceEvent& e : trace) {
    events.push_back({{"action", traceActionName(e.action)},
                      {"addr", e.addr},
                      {"size", e.size},
                      {"seq", e.seq}});
  }
  return events;
}

}  // namespace

nlohmann::json memorySnapshotJson(const std::vector<DeviceView>& views) {
  nlohmann::json segments = nlohmann::json::array();
  nlohmann::json traces = nlohmann::json::array();
  for (size_t d = 0; d < views.size(); ++d) {
    for (const SegmentView& seg : views[d].segments) {
      segments.push_back(segmentJson(static_cast<int32_t>(d), seg));
    }
    traces.push_back(traceJson(views[d].trace));
  }
  const HistoryConfig history = views.empty() ? HistoryConfig{} : views.front().history;
  const char* mode = historyModeName(history.mode);
  return {{"segments", std::move(segments)},
          {"device_traces", std::move(traces)},
          {"history",
           {{"enabled", mode != nullptr ? nlohmann::json(mode) : nlohmann::json(nullptr)},
            {"stacks", history.stacks},
            {"max_entries", history.max_entries}}}};
}

void writeSnapshotFile(const char* path, const std::string& text) {
  if (*path == '\0') {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  "local_path is empty: pass a file path, or NULL to skip the file");
  }
  const auto fail = [&](int error) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT, std::string("cannot write the memory snapshot to '") +
                                                    path + "': " + std::strerror(error));
  };
  std::FILE* file = std::fopen(path, "wb");
  if (file == nullptr) fail(errno);
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const int write_error = errno;
  if (std::fclose(file) != 0 || !written) fail(written ? errno : write_error);
}

}  // namespace mtia_sample
