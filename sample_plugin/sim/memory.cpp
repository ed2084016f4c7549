// sim/memory.cpp — a caching allocator per device under one mutex (segments of host
// memory, best fit, split and coalesce), exact stats, a trace, OOM observers, pinned memory.
#include "driver.h"

#include <cstdlib>

namespace sim {

constexpr size_t roundUp(size_t n, size_t multiple) { return (n + multiple - 1) / multiple * multiple; }
static std::string hex(const void* p) { return str(std::hex, std::showbase, address(p)); }

static Memory& mem() { return rt().memory; }
static DeviceMemory& of(Memory& m, int32_t device) { return m.devices[static_cast<size_t>(device)]; }

// Numbers an event of device d and keeps it when recording "all"; returns its
// number when history is on (a block keeps it as alloc_seq), else 0.
static uint64_t record(Memory& m, DeviceMemory& d, const char* action, uint64_t addr, uint64_t size) {
  ++d.seq;
  if (m.history.mode == History::All) d.trace.push_back({d.seq, action, addr, size});
  if (d.trace.size() > m.history.max_entries) d.trace.pop_front();
  return m.history.mode == History::Off ? 0 : d.seq;
}

static std::map<char*, Segment>::iterator segmentAt(Memory& m, const void* p) {
  auto* c = static_cast<char*>(const_cast<void*>(p));
  auto it = m.segments.upper_bound(c);
  if (it == m.segments.begin() || c >= std::prev(it)->first + std::prev(it)->second.size) {
    return m.segments.end();
  }
  return std::prev(it);
}

static std::map<char*, Block>::iterator blockAt(Segment& seg, const void* p) {
  return std::prev(seg.blocks.upper_bound(static_cast<char*>(const_cast<void*>(p))));
}

static void releaseUnused(Memory& m, int32_t device) {
  DeviceMemory& d = of(m, device);
  for (auto it = m.segments.begin(); it != m.segments.end();) {
    Segment& seg = it->second;
    if (seg.device != device || seg.blocks.size() != 1 || seg.blocks.begin()->second.allocated) {
      ++it;
      continue;
    }
    d.free[seg.small].erase({seg.size, it->first});
    d.stats.reserved -= seg.size;
    --d.stats.segments;
    ++d.stats.num_segment_frees;
    record(m, d, "segment_free", address(it->first), seg.size);
    std::free(it->first);
    it = m.segments.erase(it);
  }
}

struct Oom {
  uint64_t total, free;  // what the observers get
  std::string message;
};

// A new segment of `size` bytes in the small or the large pool, releasing the
// cache first if the capacity would be exceeded; false (with *oom) when it still would be.
static bool reserve(Memory& m, int32_t device, size_t size, bool small, size_t requested, Oom* oom) {
  DeviceMemory& d = of(m, device);
  MemoryStats& s = d.stats;
  if (s.reserved + size > s.total) {
    ++s.num_alloc_retries;
    releaseUnused(m, device);
  }
  if (s.reserved + size > s.total) {
    ++s.num_ooms;
    record(m, d, "oom", s.total - s.reserved, requested);
    *oom = {s.total, s.total - s.reserved,
            str("out of memory on device ", device, ": tried to allocate ", requested, " bytes",
                size == requested ? "" : str(", which needs a new ", size, "-byte segment,"),
                " but only ", s.total - s.reserved, " of the device's ", s.total, " bytes are free (",
                s.allocated, " allocated, ", s.reserved - s.allocated, " cached in partly used "
                "segments); free device memory or raise MTIA_SAMPLE_DEVICE_MEMORY")};
    return false;
  }
  auto* base = static_cast<char*>(std::aligned_alloc(4096, size));
  if (base == nullptr) {
    throw Error(Err::NoMemory,
                str("the host cannot back ", size, " bytes of simulated memory of device ", device));
  }
  m.segments.emplace(base, Segment{device, size, small, {{base, Block{size, 0, 0, false}}}});
  d.free[small].emplace(size, base);
  s.reserved += size;
  s.peak_reserved = std::max(s.peak_reserved, s.reserved);
  ++s.segments;
  ++s.num_segment_allocs;
  record(m, d, "segment_alloc", address(base), size);
  return true;
}

// Best fit in the request's pool: the smallest free block that fits, split; a
// new segment when none fits. Blocks are the request rounded up to 512 bytes.
static void* allocate(Memory& m, int32_t device, size_t bytes, Oom* oom) {
  DeviceMemory& d = of(m, device);
  const size_t size = roundUp(bytes, 512);
  const bool small = bytes <= kSmallLimit;
  auto& free = d.free[small];
  auto fit = free.lower_bound({size, nullptr});
  if (fit == free.end()) {
    if (!reserve(m, device, small ? kSegment : roundUp(size, kSegment), small, bytes, oom)) return nullptr;
    fit = free.lower_bound({size, nullptr});
  }
  const auto [found, p] = *fit;
  free.erase(fit);
  Segment& seg = segmentAt(m, p)->second;
  if (found > size) {  // the rest stays free
    seg.blocks.emplace(p + size, Block{found - size, 0, 0, false});
    free.emplace(found - size, p + size);
  }
  MemoryStats& s = d.stats;
  s.allocated += size;
  s.peak_allocated = std::max(s.peak_allocated, s.allocated);
  s.requested += bytes;
  s.peak_requested = std::max(s.peak_requested, s.requested);
  ++s.num_allocs;
  seg.blocks[p] = Block{size, bytes, record(m, d, "alloc", address(p), size), true};
  return p;
}

// Frees a live block, merging it with its free neighbours.
static void release(Memory& m, Segment& seg, std::map<char*, Block>::iterator block) {
  DeviceMemory& d = of(m, seg.device);
  auto& free = d.free[seg.small];
  d.stats.allocated -= block->second.size;
  d.stats.requested -= block->second.requested;
  ++d.stats.num_frees;
  record(m, d, "free", address(block->first), block->second.size);
  block->second = Block{block->second.size, 0, 0, false};
  const auto merge = [&](std::map<char*, Block>::iterator into, std::map<char*, Block>::iterator from) {
    free.erase({into->second.size, into->first});  // no entry yet for the block being freed
    free.erase({from->second.size, from->first});
    into->second.size += from->second.size;
    seg.blocks.erase(from);
    return into;
  };
  if (auto next = std::next(block); next != seg.blocks.end() && !next->second.allocated) merge(block, next);
  if (block != seg.blocks.begin() && !std::prev(block)->second.allocated) {
    block = merge(std::prev(block), block);
  }
  free.emplace(block->second.size, block->first);
}

// The live block that starts at p; Err::BadValue for any other pointer.
static std::pair<Segment*, std::map<char*, Block>::iterator> liveBlock(Memory& m, const void* p) {
  if (const auto seg = segmentAt(m, p); seg != m.segments.end()) {
    const auto block = blockAt(seg->second, p);
    if (block->first == p && block->second.allocated) return {&seg->second, block};
  }
  throw Error(Err::BadValue, hex(p) + " is not a live allocation of the sample plugin: pass the "
                                      "pointer that device_alloc returned");
}

Memory::~Memory() {
  for (const auto& entry : segments) std::free(entry.first);
  for (const auto& entry : pinned) std::free(reinterpret_cast<void*>(entry.first));
}

void* deviceAlloc(int32_t device, size_t bytes) {
  checkDevice(device);
  Memory& m = mem();
  Oom oom{};
  std::vector<std::pair<OomObserver, void*>> observers;
  {
    std::lock_guard<std::mutex> lock(m.mutex);
    if (void* p = allocate(m, device, bytes, &oom)) return p;
    observers = m.observers;  // called without the lock
  }
  for (const auto& [fn, user_data] : observers) fn(user_data, device, bytes, oom.total, oom.free);
  throw Error(Err::NoMemory, oom.message);
}

void deviceFree(void* ptr) {
  Memory& m = mem();
  int32_t device = -1;
  {
    std::lock_guard<std::mutex> lock(m.mutex);
    device = liveBlock(m, ptr).first->device;
  }
  waitDevice(device);  // work queued before the free may still use the block
  std::lock_guard<std::mutex> lock(m.mutex);
  const auto [seg, block] = liveBlock(m, ptr);  // it may have been freed meanwhile
  release(m, *seg, block);
}

bool findDeviceRange(const void* ptr, size_t bytes, int32_t* device) {
  Memory& m = mem();
  std::lock_guard<std::mutex> lock(m.mutex);
  const auto seg = segmentAt(m, ptr);
  if (seg == m.segments.end()) return false;
  const auto block = blockAt(seg->second, ptr);
  const uint64_t end = address(block->first) + block->second.requested;
  if (!block->second.allocated || address(ptr) >= end || bytes > end - address(ptr)) return false;
  *device = seg->second.device;
  return true;
}

MemoryStats memoryStats(int32_t device) {
  checkDevice(device);
  std::lock_guard<std::mutex> lock(mem().mutex);
  return of(mem(), device).stats;
}

void resetPeakStats(int32_t device) {
  checkDevice(device);
  std::lock_guard<std::mutex> lock(mem().mutex);
  MemoryStats& s = of(mem(), device).stats;
  s.peak_allocated = s.allocated;
  s.peak_requested = s.requested;
  s.peak_reserved = s.reserved;
}

void emptyCache() {
  std::lock_guard<std::mutex> lock(mem().mutex);
  for (int32_t d = 0; d < config().device_count; ++d) releaseUnused(mem(), d);
}

void recordHistory(const HistoryConfig& config) {
  std::lock_guard<std::mutex> lock(mem().mutex);
  for (DeviceMemory& d : mem().devices) {
    while (d.trace.size() > (config.mode == History::Off ? 0 : config.max_entries)) d.trace.pop_front();
  }
  mem().history = config;
}

Snapshot snapshot() {
  Memory& m = mem();
  std::lock_guard<std::mutex> lock(m.mutex);
  Snapshot snap{m.segments, {}, m.history};
  for (const DeviceMemory& d : m.devices) snap.traces.push_back(d.trace);
  return snap;
}

void addOomObserver(OomObserver fn, void* user_data) {
  if (fn == nullptr) throw Error(Err::BadValue, "observer is NULL");
  std::lock_guard<std::mutex> lock(mem().mutex);
  mem().observers.emplace_back(fn, user_data);
}

void* pinnedAlloc(size_t bytes) {
  void* p = bytes <= SIZE_MAX - 64 ? std::aligned_alloc(64, roundUp(bytes, 64)) : nullptr;
  if (p == nullptr) {
    throw Error(Err::NoMemory, str("cannot allocate ", bytes, " bytes of pinned host memory"));
  }
  std::lock_guard<std::mutex> lock(mem().mutex);
  mem().pinned.emplace(address(p), bytes);
  return p;
}

void pinnedFree(void* ptr) {
  std::lock_guard<std::mutex> lock(mem().mutex);
  if (mem().pinned.erase(address(ptr)) == 0) {
    throw Error(Err::BadValue, hex(ptr) + " is not a live pinned allocation: pass the pointer that "
                                          "pinned_alloc returned");
  }
  std::free(ptr);
}

bool isPinned(const void* ptr) noexcept {
  if (!initialized()) return false;
  Memory& m = mem();
  std::lock_guard<std::mutex> lock(m.mutex);
  const auto it = m.pinned.upper_bound(address(ptr));
  return it != m.pinned.begin() && address(ptr) - std::prev(it)->first < std::prev(it)->second;
}

}  // namespace sim
