// sim/internal.h — the driver's state, shared by its own source files only.
#pragma once

#include "driver.h"

#include <array>
#include <future>
#include <set>
#include <unordered_map>

namespace sim {

// int64 handles (1, 2, ...) to objects; a lookup's shared_ptr keeps the
// object alive while a call or queued work uses it.
template <class T>
class Handles {
 public:
  explicit Handles(const char* kind) : kind_(kind) {}
  int64_t add(std::shared_ptr<T> object) {
    std::lock_guard<std::mutex> lock(mutex_);
    objects_.emplace(next_, std::move(object));
    return next_++;
  }
  std::shared_ptr<T> find(int64_t handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = objects_.find(handle);
    if (it == objects_.end()) throw notFound(handle);
    return it->second;
  }
  void remove(int64_t handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (objects_.erase(handle) == 0) throw notFound(handle);
  }
  Error notFound(int64_t h) const { return Error(Err::NotFound, kind_ + (" " + std::to_string(h)) + " does not exist"); }

 private:
  const char* kind_;
  std::mutex mutex_;
  std::unordered_map<int64_t, std::shared_ptr<T>> objects_;
  int64_t next_ = 1;
};

struct Device {
  std::atomic<bool> has_context{false};
  std::mutex streams_mutex;  // serialises stream creation; lookups are lock-free
  std::array<std::atomic<Stream*>, kMaxStreams> streams{};
  std::atomic<int64_t> stream_count{1};
};

// A record of an event: ready, with the time, once its stream reached it.
using Record = std::shared_future<std::chrono::steady_clock::time_point>;
struct Event {
  explicit Event(bool timing_) : timing(timing_) {}
  const bool timing;
  std::mutex mutex;
  std::optional<Record> latest;  // none until recorded
};
struct Graph;

struct DeviceMemory {
  MemoryStats stats;
  uint64_t seq = 0;  // numbers every event, recorded or not
  std::deque<TraceEvent> trace;
  // Free blocks by (size, address) per pool: a size class, or 0 for large blocks.
  std::map<size_t, std::set<std::pair<size_t, char*>>> free;
};
struct Memory {
  ~Memory();
  std::mutex mutex;  // guards the next four
  std::map<char*, Segment> segments;  // every device's, by base address
  std::vector<DeviceMemory> devices;
  HistoryConfig history;
  std::vector<std::pair<OomObserver, void*>> observers;
  std::mutex pinned_mutex;
  std::map<uintptr_t, size_t> pinned;  // start -> size
};

struct Runtime {
  Config config;
  std::vector<std::unique_ptr<Device>> devices;
  Handles<Event> events{"event"};
  Handles<Graph> graphs{"graph"};
  std::atomic<uint64_t> next_pool{1};
  Memory memory;
};
Runtime& rt();  // Err::Down when not initialised

}  // namespace sim
