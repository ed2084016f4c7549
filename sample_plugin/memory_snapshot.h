// memory_snapshot.h — the JSON of memoryStats and memorySnapshot.
#pragma once

#include "memory_allocator.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mtia_sample {

// {"dram": {...}}: torch.mtia.memory_stats's shape plus the allocator's counters.
nlohmann::json memoryStatsJson(const DeviceMemoryStats& stats);

// {"segments": [...], "device_traces": [[...] per device], "history": {...}};
// views[d] is device d's.
nlohmann::json memorySnapshotJson(const std::vector<DeviceView>& views);

// Writes text to path, replacing the file; throws Failure(INVALID_ARGUMENT)
// naming the path and the system's reason.
void writeSnapshotFile(const char* path, const std::string& text);

}  // namespace mtia_sample
