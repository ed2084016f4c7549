// sim/internal.h — the driver's state, shared by its own source files only.
#pragma once

#include "driver.h"

#include <array>
#include <memory>
#include <set>

namespace sim {

// int64 handles (1, 2, ...) to objects; the shared_ptr a lookup returns keeps
// the object alive while a call or queued work uses it.
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

 private:
  Error notFound(int64_t handle) const {
    return Error(Err::NotFound, kind_ + (" " + std::to_string(handle)) + " does not exist");
  }
  const char* kind_;
  std::mutex mutex_;
  std::map<int64_t, std::shared_ptr<T>> objects_;
  int64_t next_ = 1;
};

struct Device {
  std::mutex streams_mutex;  // serialises stream creation; lookups take no lock
  std::array<std::unique_ptr<Stream>, kMaxStreams> streams;  // set once, below stream_count
  std::atomic<int64_t> stream_count{1};
};

struct DeviceMemory {
  MemoryStats stats;
  uint64_t seq = 0;  // numbers every event, recorded or not
  std::deque<TraceEvent> trace;
  std::set<std::pair<size_t, char*>> free[2];  // free blocks by (size, address); [1]: small pool
};
struct Memory {
  ~Memory();                          // frees the segments and the pinned blocks
  std::mutex mutex;                   // guards everything here
  std::map<char*, Segment> segments;  // every device's, by base address
  std::vector<DeviceMemory> devices;
  HistoryConfig history;
  std::vector<std::pair<OomObserver, void*>> observers;
  std::map<uintptr_t, size_t> pinned;  // pinned blocks: start -> size
};

struct Event;
struct Graph;
struct Runtime {
  Config config;
  Memory memory;
  Handles<Event> events{"event"};
  Handles<Graph> graphs{"graph"};
  std::atomic<uint64_t> next_pool{1};
  std::vector<std::unique_ptr<Device>> devices;  // last: its streams stop first
};
Runtime& rt();  // Err::Down when not initialised

}  // namespace sim
