// memory_allocator.h — one simulated device's memory: a caching allocator
// over segments of host memory, with exact statistics and a trace of events.
//
// Sizes are rounded up to 512 bytes. Requests up to 1 MiB are served from
// size classes (512 B steps up to 4 KiB, then four classes per power of two),
// each carving 2 MiB slab segments into equal blocks; larger requests are
// served best-fit from "large" segments (multiples of 2 MiB) with splitting
// and coalescing. Freed blocks stay cached for reuse until emptyCache() or an
// allocation that would exceed the capacity releases every unused segment.
// docs/memory.md has the details.
#pragma once

#include "biased_mutex.h"
#include "memory_history.h"

#include <mtia/plugin_support.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace mtia_sample {

inline constexpr uint64_t kDefaultDeviceMemoryBytes = uint64_t{1} << 30;  // 1 GiB
inline constexpr size_t kBlockRound = 512;                 // every block is a multiple of this
inline constexpr size_t kSmallLimit = size_t{1} << 20;     // largest size-class request
inline constexpr size_t kSegmentUnit = size_t{2} << 20;    // slab size; large-segment granule
inline constexpr size_t kSizeClassCount = 40;              // 512 B .. 1 MiB

// The block size that serves a request of `bytes` (0 < bytes): its size
// class up to kSmallLimit, otherwise `bytes` rounded up to kBlockRound.
size_t blockSizeFor(size_t bytes) noexcept;

// Statistics of one device; every field is exact when read.
struct DeviceMemoryStats {
  uint64_t total_bytes = 0;          // the device's capacity
  uint64_t allocated_bytes = 0;      // sum of live blocks' sizes
  uint64_t peak_allocated_bytes = 0;
  uint64_t requested_bytes = 0;      // sum of live allocations' requested sizes
  uint64_t peak_requested_bytes = 0;
  uint64_t reserved_bytes = 0;       // sum of segment sizes
  uint64_t peak_reserved_bytes = 0;
  uint64_t active_allocations = 0;   // live blocks: num_allocs - num_frees
  uint64_t segments = 0;             // live segments
  uint64_t num_allocs = 0;
  uint64_t num_frees = 0;
  uint64_t num_ooms = 0;
  uint64_t num_segment_allocs = 0;
  uint64_t num_segment_frees = 0;
  uint64_t num_alloc_retries = 0;    // allocations that released the cache and retried
};

// What an out-of-memory allocation saw, after releasing the cache.
struct OomReport {
  uint64_t requested = 0;  // bytes asked for
  uint64_t needed = 0;     // size of the segment that could not be reserved
  uint64_t total = 0;      // capacity
  uint64_t free = 0;       // capacity - reserved
  uint64_t allocated = 0;
  uint64_t cached = 0;     // reserved - allocated
};

// A block as memorySnapshot shows it: a live allocation or a free range.
struct BlockView {
  uintptr_t address;
  uint64_t size;
  uint64_t requested;  // 0 for a free range
  uint64_t alloc_seq;  // sequence number of its alloc event; 0 when not recorded
  bool allocated;
};

struct SegmentView {
  uintptr_t address;
  uint64_t size;
  bool small;           // a size-class slab
  uint64_t block_size;  // the slab's block size (0 for a large segment)
  std::vector<BlockView> blocks;  // in address order, covering the segment
};

struct DeviceView {
  std::vector<SegmentView> segments;  // in address order
  std::vector<TraceEvent> trace;      // oldest first
  HistoryConfig history;
};

// The plugin's out-of-memory observers (attach_oom_observer). Each is called
// once per device OOM, on the allocating thread, before the error returns.
class OomObservers {
 public:
  void add(mtia_oom_observer_fn observer, void* user_data);
  void notify(int32_t device, const OomReport& oom) const noexcept;

 private:
  struct Entry {
    mtia_oom_observer_fn fn;
    void* user_data;
  };
  mutable std::mutex mutex_;
  std::vector<Entry> observers_;
};

// The device that owns the segment containing `ptr`, or -1. Lock-free; the
// answer may be stale by the time it is used (the owner re-checks).
int32_t deviceOfAddress(const void* ptr) noexcept;
// The error for a pointer that is not in any device's memory.
mtia::plugin::Failure notDeviceMemory(const void* ptr);

class DeviceAllocator {
 public:
  // biased: whether its lock may be biased (BiasedMutex).
  DeviceAllocator(int32_t device, uint64_t capacity, bool biased = true);
  ~DeviceAllocator();  // returns every segment to the host
  DeviceAllocator(const DeviceAllocator&) = delete;
  DeviceAllocator& operator=(const DeviceAllocator&) = delete;

  int32_t device() const noexcept { return device_; }
  uint64_t capacity() const noexcept { return capacity_; }

  // The cached paths, tried first. allocateCached: a cached block that
  // serves `bytes` as it is (a size-class block, or a parked large block of
  // the same rounded size), or nullptr (then call allocate). freeCached:
  // frees a live allocation, or returns false (then free() says what is
  // wrong with the pointer). Neither throws nor allocates host memory.
  void* allocateCached(size_t bytes) noexcept;
  bool freeCached(void* ptr) noexcept;
  // Allocates `bytes` (> 0). On device OOM — after releasing the cache and
  // retrying — returns nullptr and fills *oom. Throws Failure(OUT_OF_MEMORY)
  // when the host cannot back a new segment.
  void* allocate(size_t bytes, OomReport& oom);
  // Frees a live allocation of this device; throws Failure(INVALID_ARGUMENT)
  // naming what is wrong with `ptr` otherwise.
  void free(void* ptr);
  // True iff [ptr, ptr + bytes) lies inside one live allocation of this device.
  bool contains(const void* ptr, size_t bytes) const noexcept;

  // Releases every segment with no live block.
  void emptyCache() noexcept;
  DeviceMemoryStats stats() const noexcept;
  void resetPeakStats() noexcept;
  void setHistory(const HistoryConfig& config);
  DeviceView view() const;

 private:
  struct BlockInfo {
    size_t requested = 0;    // bytes asked for
    uint64_t alloc_seq = 0;  // sequence number of the alloc event, when recorded
    bool allocated = false;
  };
  struct LargeBlock {
    size_t size;
    BlockInfo info;
  };
  using FreeSet = std::set<std::pair<size_t, char*>>;  // (size, address): best fit
  using BlockMap = std::map<char*, LargeBlock>;        // a large segment's blocks
  struct Segment;
  struct Located;
  struct CachedBlock {
    char* p;
    Segment* seg;
    BlockInfo* info;
  };
  struct SizeClass {
    // The cached blocks are cached[0, count), most recently freed last.
    // `cached` has a slot for every block of the class's slabs, so caching a
    // block never allocates host memory.
    std::vector<CachedBlock> cached;
    size_t count = 0;
    Segment* current = nullptr;  // the slab being carved
    void push(char* p, Segment& seg, BlockInfo& info) noexcept {
      CachedBlock& slot = cached[count++];  // stored field by field: no
      slot.p = p;                           // struct copy through the stack
      slot.seg = &seg;
      slot.info = &info;
    }
  };
  static constexpr size_t kLargeSegment = ~size_t{0};  // newSegment's class for large segments
  static constexpr size_t kSpareNodes = 64;            // erased tree nodes kept for reuse
  // Freed large blocks with no free neighbour are parked outside the best-fit
  // tree: a request of exactly a parked block's size takes it back without
  // tree updates. Any other large request first moves them into the tree.
  static constexpr size_t kParkedMax = 8;

  void* allocateSmall(size_t bytes, OomReport& oom);
  void* allocateLarge(size_t bytes, OomReport& oom);
  // Reserves a segment (a slab of `class_index`, or kLargeSegment), first
  // releasing the cache if the capacity would be exceeded; nullptr on OOM.
  Segment* newSegment(size_t size, size_t class_index, size_t requested, OomReport& oom);
  void* outOfMemory(size_t requested, size_t needed, OomReport& oom) noexcept;
  [[noreturn]] void rejectFree(const char* p, const Located& at) const;
  void* takeParked(size_t bytes) noexcept;  // nullptr when no parked block fits exactly
  void* takeLarge(BlockMap::iterator block, size_t bytes) noexcept;
  void* allocateCachedLocked(size_t bytes) noexcept;
  bool freeCachedLocked(void* ptr) noexcept;
  // The slab segment whose live block starts at p (and the block), or nullptr.
  Segment* liveSlabBlock(char* p, BlockInfo*& info) const noexcept;
  bool freeLocked(char* p) noexcept;  // freeCached with mutex_ held
  bool freeLarge(Segment& seg, char* p) noexcept;
  void coalesce(Segment& seg, BlockMap::iterator block) noexcept;
  void unpark(BlockMap::iterator block) noexcept;
  // Moves every parked block into the best-fit tree.
  void flushParked() noexcept;
  // The large path's tree updates; they reuse erased nodes, so the cached
  // path allocates no host memory.
  void cacheFree(size_t size, char* p);
  void uncacheFree(size_t size, char* p) noexcept;
  BlockMap::iterator addBlock(Segment& seg, BlockMap::iterator hint, char* p, size_t size);
  void dropBlock(Segment& seg, BlockMap::iterator block) noexcept;
  void releaseUnusedSegments() noexcept;
  Segment* ownSegment(const void* p) const noexcept;
  Located locate(const void* p) const noexcept;
  void* takeSlabBlock(SizeClass& cls, size_t requested) noexcept;  // the newest cached block
  void* takeSlabBlock(char* p, Segment& seg, BlockInfo& info, size_t requested) noexcept;
  void freeSlabBlock(char* p, Segment& seg, BlockInfo& info) noexcept;
  uint64_t onAlloc(const char* p, size_t block_size, size_t requested) noexcept;
  void onFree(const char* p, size_t block_size, size_t requested) noexcept;
  uint64_t record(TraceAction action, uintptr_t addr, uint64_t size) noexcept;

  const int32_t device_;
  const uint64_t capacity_;
  // Guards everything below. Biased: the thread driving the device takes it
  // without atomic read-modify-writes (biased_mutex.h).
  mutable BiasedMutex mutex_;
  DeviceMemoryStats stats_;
  uint64_t seq_ = 0;
  HistoryConfig history_;
  std::array<SizeClass, kSizeClassCount> classes_;
  FreeSet large_free_;  // the free blocks of every large segment
  std::vector<FreeSet::node_type> spare_free_;
  std::vector<BlockMap::node_type> spare_blocks_;
  std::array<BlockMap::iterator, kParkedMax> parked_{};
  size_t parked_count_ = 0;
  std::map<char*, std::unique_ptr<Segment>> segments_;
  TraceRing trace_;
};

}  // namespace mtia_sample
