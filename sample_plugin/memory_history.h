// memory_history.h — recordMemoryHistory's settings and the per-device ring
// of trace events that memorySnapshot reports as "device_traces".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mtia_sample {

// PyTorch's `enabled`: null (off), "state" (remember who allocated each live
// block) or "all" (also keep a trace of every event).
// 32-bit: the allocator's fast paths test it between stores to other
// fields, and (unlike a byte) it cannot alias them.
enum class HistoryMode : uint32_t { Off, State, All };

struct HistoryConfig {
  HistoryMode mode = HistoryMode::Off;
  std::string stacks;        // recorded verbatim: "python", "cpp", "all" or ""
  uint64_t max_entries = 0;  // bound of each device's trace ring
};

// Validates recordMemoryHistory's arguments; throws Failure(INVALID_ARGUMENT).
HistoryConfig parseHistoryConfig(const char* enabled, const char* stacks, uint64_t max_entries);
// "state", "all", or nullptr for Off.
const char* historyModeName(HistoryMode mode) noexcept;

enum class TraceAction : uint8_t { Alloc, Free, SegmentAlloc, SegmentFree, Oom };
// "alloc", "free", "segment_alloc", "segment_free", "oom".
const char* traceActionName(TraceAction action) noexcept;

// One recorded event. For alloc/free, addr and size describe the block; for
// segment events, the segment; for oom (PyTorch's convention) addr holds the
// device's free bytes and size the requested bytes.
struct TraceEvent {
  uint64_t seq;  // the device's event sequence number
  TraceAction action;
  uintptr_t addr;
  uint64_t size;
};

// A ring of the newest `capacity` events. Not thread-safe (the device
// allocator's mutex guards it). Grows on demand up to its capacity.
class TraceRing {
 public:
  // Keeps the newest min(size, max_entries) events.
  void setCapacity(uint64_t max_entries);
  void clear() noexcept;
  // Never throws: an event that cannot be stored (host memory) is dropped.
  void push(const TraceEvent& event) noexcept;
  // Oldest first.
  std::vector<TraceEvent> ordered() const;

 private:
  std::vector<TraceEvent> ring_;
  size_t next_ = 0;  // the oldest event once the ring is full
  uint64_t capacity_ = 0;
};

}  // namespace mtia_sample
