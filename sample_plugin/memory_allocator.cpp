#include "memory_allocator.h"

#include <mtia/plugin_support.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <string>

#include <sys/mman.h>

// The cached paths' helpers: inlined wherever they are used, so that those
// paths make no call.
#define MTIA_SAMPLE_HOT [[gnu::always_inline]] inline

namespace mtia_sample {

using mtia::plugin::Failure;

namespace {

constexpr unsigned kUnitShift = 21;
static_assert(kSegmentUnit == size_t{1} << kUnitShift, "segments are 2 MiB units");
// A segment-map entry is the Segment's address with its device in the low
// bits (Segments are 64-byte aligned, so devices 0..63 fit).
constexpr uintptr_t kDeviceMask = 63;

constexpr size_t roundUp(size_t n, size_t multiple) noexcept {
  return (n + multiple - 1) / multiple * multiple;
}

// Size classes: 512 B steps up to 4 KiB, then four per power of two.
constexpr size_t classSize(size_t index) noexcept {
  if (index < 8) return (index + 1) * kBlockRound;
  const size_t k = index - 8;
  const size_t power = size_t{4096} << (k / 4);
  return power + (k % 4 + 1) * (power / 4);
}
static_assert(classSize(kSizeClassCount - 1) == kSmallLimit, "the classes end at 1 MiB");

// The class serving a request of 0 < bytes <= kSmallLimit.
size_t classIndex(size_t bytes) noexcept {
  if (bytes <= 4096) return (bytes - 1) / kBlockRound;
  const unsigned log2 = 63u - static_cast<unsigned>(__builtin_clzll(bytes - 1));  // 2^log2 < bytes
  const size_t power = size_t{1} << log2;
  return 8 + (log2 - 12) * 4 + ((bytes - 1 - power) >> (log2 - 2));
}

// Which segment (and device) owns each 2 MiB unit of the address space.
// Reads are lock-free; a unit's entry changes only under the mutex of the
// device that owns (or takes) it.
class SegmentMap {
 public:
  ~SegmentMap() {
    for (auto& leaf : root_) delete leaf.load(std::memory_order_relaxed);
  }
  uintptr_t get(const void* p) const noexcept {
    const uintptr_t unit = reinterpret_cast<uintptr_t>(p) >> kUnitShift;
    if (unit >> (kRootBits + kLeafBits) != 0) return 0;
    const Leaf* leaf = root_[unit >> kLeafBits].load(std::memory_order_acquire);
    return leaf != nullptr ? leaf->entries[unit & kLeafMask].load(std::memory_order_acquire) : 0;
  }
  // Throws std::bad_alloc (nothing set) or Failure for an unmappable address.
  void set(const char* base, size_t size, uintptr_t value) {
    const uintptr_t first = reinterpret_cast<uintptr_t>(base) >> kUnitShift;
    const uintptr_t last = (reinterpret_cast<uintptr_t>(base) + size - 1) >> kUnitShift;
    if (last >> (kRootBits + kLeafBits) != 0) {
      throw Failure(MTIA_STATUS_INTERNAL, "the host mapped simulated device memory above 2^48");
    }
    for (uintptr_t unit = first >> kLeafBits; unit <= last >> kLeafBits; ++unit) leaf(unit);
    for (uintptr_t unit = first; unit <= last; ++unit) {
      leaf(unit >> kLeafBits).entries[unit & kLeafMask].store(value, std::memory_order_release);
    }
  }
  void clear(const char* base, size_t size) noexcept {
    for (size_t offset = 0; offset < size; offset += kSegmentUnit) {
      const uintptr_t unit = reinterpret_cast<uintptr_t>(base + offset) >> kUnitShift;
      Leaf* leaf = root_[unit >> kLeafBits].load(std::memory_order_acquire);
      if (leaf != nullptr) leaf->entries[unit & kLeafMask].store(0, std::memory_order_release);
    }
  }

 private:
  static constexpr unsigned kLeafBits = 13;
  static constexpr unsigned kRootBits = 48 - kUnitShift - kLeafBits;
  static constexpr uintptr_t kLeafMask = (uintptr_t{1} << kLeafBits) - 1;
  struct Leaf {
    std::array<std::atomic<uintptr_t>, size_t{1} << kLeafBits> entries{};
  };
  Leaf& leaf(uintptr_t index) {
    Leaf* leaf = root_[index].load(std::memory_order_acquire);
    if (leaf != nullptr) return *leaf;
    auto fresh = std::make_unique<Leaf>();
    if (root_[index].compare_exchange_strong(leaf, fresh.get(), std::memory_order_acq_rel)) {
      return *fresh.release();
    }
    return *leaf;  // another device created it first
  }
  std::array<std::atomic<Leaf*>, size_t{1} << kRootBits> root_{};
};

SegmentMap g_segment_map;

// Maps `size` bytes aligned to kSegmentUnit; nullptr (errno set) on failure.
// Pages are backed only when first touched.
char* mapSegment(size_t size) noexcept {
  const size_t span = size + kSegmentUnit;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = roundUp(start, kSegmentUnit);
  if (aligned != start) munmap(raw, aligned - start);
  const uintptr_t end = start + span;
  if (end != aligned + size) munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  return reinterpret_cast<char*>(aligned);
}

std::string hex(const void* p) {
  char text[2 + 2 * sizeof(uintptr_t) + 1];
  std::snprintf(text, sizeof(text), "0x%llx",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(p)));
  return text;
}

}  // namespace

size_t blockSizeFor(size_t bytes) noexcept {
  return bytes <= kSmallLimit ? classSize(classIndex(bytes)) : roundUp(bytes, kBlockRound);
}

int32_t deviceOfAddress(const void* ptr) noexcept {
  const uintptr_t entry = g_segment_map.get(ptr);
  return entry != 0 ? static_cast<int32_t>(entry & kDeviceMask) : -1;
}

Failure notDeviceMemory(const void* ptr) {
  return Failure(MTIA_STATUS_INVALID_ARGUMENT,
                 hex(ptr) + " is not device memory of the sample plugin: pass a pointer that "
                            "device_alloc returned");
}

// ---- segments and blocks ----------------------------------------------------

// A mapping of host memory standing for device memory: either a slab of
// equal blocks of one size class, or a large segment of variable blocks.
struct alignas(kDeviceMask + 1) DeviceAllocator::Segment {
  Segment(char* base_, size_t size_, size_t class_index_)
      : base(base_), size(size_), block_size(classSize(class_index_)), class_index(class_index_),
        reciprocal(((uint64_t{1} << kReciprocalShift) + block_size - 1) / block_size),
        slab(size_ / block_size) {}
  Segment(char* base_, size_t size_) : base(base_), size(size_) {
    blocks.emplace(base, LargeBlock{size, {}});
  }
  ~Segment() { munmap(base, size); }
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  bool isSlab() const noexcept { return block_size != 0; }
  // The slab block containing p: (p - base) / block_size without a divide
  // (exact for offsets below 2^21 and 512 <= block_size <= 2^20, since
  // reciprocal = ceil(2^42 / block_size) errs by less than 2^-21 per unit).
  size_t slot(const char* p) const noexcept {
    return static_cast<size_t>((static_cast<uint64_t>(p - base) * reciprocal) >> kReciprocalShift);
  }
  static constexpr unsigned kReciprocalShift = 42;
  static_assert(kSegmentUnit <= size_t{1} << 21 && kSmallLimit <= size_t{1} << 20 &&
                    kBlockRound >= 512,
                "slot() is exact only for these bounds");
  bool unused() const noexcept {
    return isSlab() ? live == 0 : blocks.size() == 1 && !blocks.begin()->second.info.allocated;
  }

  char* const base;
  const size_t size;
  // Slabs: blocks [0, carved) have been handed out at least once.
  const size_t block_size = 0;
  const size_t class_index = 0;
  const uint64_t reciprocal = 0;
  size_t carved = 0;
  size_t live = 0;
  std::vector<BlockInfo> slab;
  // Large segments: every block, free or not, by address.
  std::map<char*, LargeBlock> blocks;
};

// The block containing an address: seg == nullptr when the address is not in
// this device's memory; info == nullptr when it is in a slab's unused tail.
struct DeviceAllocator::Located {
  Segment* seg = nullptr;
  char* start = nullptr;
  size_t size = 0;
  BlockInfo* info = nullptr;
};

DeviceAllocator::DeviceAllocator(int32_t device, uint64_t capacity, bool biased)
    : device_(device), capacity_(capacity), mutex_(biased) {
  if (device < 0 || static_cast<uintptr_t>(device) > kDeviceMask) {
    throw Failure(MTIA_STATUS_INTERNAL, "device allocators support devices 0..63");
  }
  stats_.total_bytes = capacity;
  spare_free_.reserve(kSpareNodes);
  spare_blocks_.reserve(kSpareNodes);
}

DeviceAllocator::~DeviceAllocator() {
  for (const auto& entry : segments_) g_segment_map.clear(entry.second->base, entry.second->size);
}

MTIA_SAMPLE_HOT DeviceAllocator::Segment* DeviceAllocator::ownSegment(
    const void* p) const noexcept {
  const uintptr_t entry = g_segment_map.get(p);
  if (entry == 0 || (entry & kDeviceMask) != static_cast<uintptr_t>(device_)) return nullptr;
  return reinterpret_cast<Segment*>(entry & ~kDeviceMask);
}

DeviceAllocator::Located DeviceAllocator::locate(const void* p) const noexcept {
  Segment* seg = ownSegment(p);
  if (seg == nullptr) return {};
  char* c = const_cast<char*>(static_cast<const char*>(p));
  if (seg->isSlab()) {
    const size_t index = seg->slot(c);
    if (index >= seg->slab.size()) return {seg};
    return {seg, seg->base + index * seg->block_size, seg->block_size, &seg->slab[index]};
  }
  const auto it = std::prev(seg->blocks.upper_bound(c));
  return {seg, it->first, it->second.size, &it->second.info};
}

// ---- the cached paths ---------------------------------------------------------
//
// The common case — the thread holding the bias, a size-class block, history
// off — runs inline with no call and no atomic read-modify-write. Anything
// else goes to the *Locked variants, which serve every cached case.

void* DeviceAllocator::allocateCached(size_t bytes) noexcept {
  if (__builtin_expect(bytes - 1 < kSmallLimit, 1) && mutex_.lockBiased()) {
    SizeClass& cls = classes_[classIndex(bytes)];
    const bool untraced = history_.mode == HistoryMode::Off;
    void* const p = untraced && cls.count != 0 ? takeSlabBlock(cls, bytes) : nullptr;
    mutex_.unlockBiased();
    if (untraced) return p;  // nullptr: nothing cached for this class
  }
  return allocateCachedLocked(bytes);
}

__attribute__((noinline)) void* DeviceAllocator::allocateCachedLocked(size_t bytes) noexcept {
  if (bytes == 0) return nullptr;
  BiasedMutex::Guard lock(mutex_);
  if (bytes > kSmallLimit) return takeParked(bytes);
  SizeClass& cls = classes_[classIndex(bytes)];
  return cls.count != 0 ? takeSlabBlock(cls, bytes) : nullptr;
}

bool DeviceAllocator::freeCached(void* ptr) noexcept {
  if (__builtin_expect(mutex_.lockBiased(), 1)) {
    char* const p = static_cast<char*>(ptr);
    bool freed = false;
    BlockInfo* info = nullptr;
    Segment* const seg = liveSlabBlock(p, info);
    // Tested after liveSlabBlock's acquire loads, so that the compiler knows
    // it is still off in freeSlabBlock's record().
    if (seg != nullptr && history_.mode == HistoryMode::Off) {
      freeSlabBlock(p, *seg, *info);
      freed = true;
    }
    mutex_.unlockBiased();
    if (freed) return true;
  }
  return freeCachedLocked(ptr);
}

__attribute__((noinline)) bool DeviceAllocator::freeCachedLocked(void* ptr) noexcept {
  BiasedMutex::Guard lock(mutex_);
  return freeLocked(static_cast<char*>(ptr));
}

// ---- allocation -------------------------------------------------------------

void* DeviceAllocator::allocate(size_t bytes, OomReport& oom) {
  BiasedMutex::Guard lock(mutex_);
  if (bytes <= kSmallLimit) return allocateSmall(bytes, oom);
  if (bytes > capacity_) return outOfMemory(bytes, bytes, oom);
  return allocateLarge(bytes, oom);
}

// A cached block, or the next block of the class's current slab, or of a new slab.
void* DeviceAllocator::allocateSmall(size_t bytes, OomReport& oom) {
  const size_t index = classIndex(bytes);
  SizeClass& cls = classes_[index];
  if (cls.count != 0) return takeSlabBlock(cls, bytes);
  Segment* seg = cls.current;
  if (seg == nullptr || seg->carved == seg->slab.size()) {
    seg = newSegment(kSegmentUnit, index, bytes, oom);
    if (seg == nullptr) return nullptr;
    cls.current = seg;
  }
  const size_t slot = seg->carved++;
  return takeSlabBlock(seg->base + slot * seg->block_size, *seg, seg->slab[slot], bytes);
}

MTIA_SAMPLE_HOT void* DeviceAllocator::takeSlabBlock(SizeClass& cls, size_t requested) noexcept {
  const CachedBlock& cached = cls.cached[--cls.count];
  return takeSlabBlock(cached.p, *cached.seg, *cached.info, requested);
}

MTIA_SAMPLE_HOT void* DeviceAllocator::takeSlabBlock(char* p, Segment& seg, BlockInfo& info,
                                                    size_t requested) noexcept {
  info.allocated = true;
  info.requested = requested;
  ++seg.live;
  info.alloc_seq = onAlloc(p, seg.block_size, requested);
  return p;
}

void* DeviceAllocator::allocateLarge(size_t bytes, OomReport& oom) {
  if (void* p = takeParked(bytes)) return p;
  const size_t size = roundUp(bytes, kBlockRound);
  flushParked();  // best fit looks at every free block
  auto fit = large_free_.lower_bound({size, nullptr});
  if (fit == large_free_.end()) {
    if (newSegment(roundUp(size, kSegmentUnit), kLargeSegment, bytes, oom) == nullptr) {
      return nullptr;
    }
    fit = large_free_.lower_bound({size, nullptr});  // the new segment
  }
  char* const p = fit->second;
  const size_t found = fit->first;
  Segment& seg = *ownSegment(p);
  const auto block = seg.blocks.find(p);
  if (found - size >= kBlockRound) {  // split: the tail stays cached
    const auto tail = addBlock(seg, std::next(block), p + size, found - size);
    try {
      cacheFree(found - size, p + size);
    } catch (...) {
      dropBlock(seg, tail);
      throw;
    }
    block->second.size = size;
  }
  uncacheFree(found, p);
  return takeLarge(block, bytes);
}

void* DeviceAllocator::takeParked(size_t bytes) noexcept {
  const size_t size = roundUp(bytes, kBlockRound);
  for (size_t i = 0; i < parked_count_; ++i) {
    if (parked_[i]->second.size == size) {  // the cached path: an exact fit
      const BlockMap::iterator block = parked_[i];
      parked_[i] = parked_[--parked_count_];
      return takeLarge(block, bytes);
    }
  }
  return nullptr;
}

void* DeviceAllocator::takeLarge(BlockMap::iterator block, size_t bytes) noexcept {
  BlockInfo& info = block->second.info;
  info.allocated = true;
  info.requested = bytes;
  info.alloc_seq = onAlloc(block->first, block->second.size, bytes);
  return block->first;
}

void DeviceAllocator::cacheFree(size_t size, char* p) {
  if (spare_free_.empty()) {
    large_free_.emplace(size, p);
    return;
  }
  FreeSet::node_type node = std::move(spare_free_.back());
  spare_free_.pop_back();
  node.value() = {size, p};
  large_free_.insert(std::move(node));
}

void DeviceAllocator::uncacheFree(size_t size, char* p) noexcept {
  FreeSet::node_type node = large_free_.extract({size, p});
  if (!node.empty() && spare_free_.size() < kSpareNodes) spare_free_.push_back(std::move(node));
}

DeviceAllocator::BlockMap::iterator DeviceAllocator::addBlock(Segment& seg, BlockMap::iterator hint,
                                                              char* p, size_t size) {
  if (spare_blocks_.empty()) return seg.blocks.emplace_hint(hint, p, LargeBlock{size, {}});
  BlockMap::node_type node = std::move(spare_blocks_.back());
  spare_blocks_.pop_back();
  node.key() = p;
  node.mapped() = LargeBlock{size, {}};
  return seg.blocks.insert(hint, std::move(node));
}

void DeviceAllocator::dropBlock(Segment& seg, BlockMap::iterator block) noexcept {
  BlockMap::node_type node = seg.blocks.extract(block);
  if (spare_blocks_.size() < kSpareNodes) spare_blocks_.push_back(std::move(node));
}

DeviceAllocator::Segment* DeviceAllocator::newSegment(size_t size, size_t class_index,
                                                      size_t requested, OomReport& oom) {
  if (stats_.reserved_bytes + size > capacity_) {
    ++stats_.num_alloc_retries;
    releaseUnusedSegments();
    if (stats_.reserved_bytes + size > capacity_) {
      outOfMemory(requested, size, oom);
      return nullptr;
    }
  }
  char* const base = mapSegment(size);
  if (base == nullptr) {
    const int error = errno;
    throw Failure(MTIA_STATUS_OUT_OF_MEMORY,
                  "the host cannot map " + std::to_string(size) +
                      " bytes to back simulated device memory of device " +
                      std::to_string(device_) + ": " + std::strerror(error));
  }
  std::unique_ptr<Segment> owner;
  try {
    owner = class_index == kLargeSegment ? std::make_unique<Segment>(base, size)
                                         : std::make_unique<Segment>(base, size, class_index);
  } catch (...) {
    munmap(base, size);
    throw;
  }
  Segment* const seg = owner.get();
  const auto node = segments_.emplace(base, std::move(owner)).first;
  try {
    g_segment_map.set(base, size, reinterpret_cast<uintptr_t>(seg) | static_cast<uintptr_t>(device_));
    if (seg->isSlab()) {
      SizeClass& cls = classes_[class_index];
      cls.cached.resize(cls.cached.size() + seg->slab.size());
    } else {
      cacheFree(size, base);
    }
  } catch (...) {
    g_segment_map.clear(base, size);
    segments_.erase(node);
    throw;
  }
  stats_.reserved_bytes += size;
  stats_.peak_reserved_bytes = std::max(stats_.peak_reserved_bytes, stats_.reserved_bytes);
  ++stats_.segments;
  ++stats_.num_segment_allocs;
  record(TraceAction::SegmentAlloc, reinterpret_cast<uintptr_t>(base), size);
  return seg;
}

void* DeviceAllocator::outOfMemory(size_t requested, size_t needed, OomReport& oom) noexcept {
  oom.requested = requested;
  oom.needed = needed;
  oom.total = capacity_;
  oom.free = capacity_ - stats_.reserved_bytes;
  oom.allocated = stats_.allocated_bytes;
  oom.cached = stats_.reserved_bytes - stats_.allocated_bytes;
  ++stats_.num_ooms;
  record(TraceAction::Oom, oom.free, requested);
  return nullptr;
}

// ---- freeing ----------------------------------------------------------------

MTIA_SAMPLE_HOT void DeviceAllocator::freeSlabBlock(char* p, Segment& seg,
                                                   BlockInfo& info) noexcept {
  onFree(p, seg.block_size, info.requested);
  info = BlockInfo{};
  --seg.live;
  classes_[seg.class_index].push(p, seg, info);
}

MTIA_SAMPLE_HOT DeviceAllocator::Segment* DeviceAllocator::liveSlabBlock(
    char* p, BlockInfo*& info) const noexcept {
  Segment* const seg = ownSegment(p);
  if (seg == nullptr || !seg->isSlab()) return nullptr;
  const size_t index = seg->slot(p);
  if (index >= seg->carved || !seg->slab[index].allocated ||
      seg->base + index * seg->block_size != p) {
    return nullptr;
  }
  info = &seg->slab[index];
  return seg;
}

bool DeviceAllocator::freeLocked(char* p) noexcept {
  BlockInfo* info = nullptr;
  if (Segment* const seg = liveSlabBlock(p, info)) {
    freeSlabBlock(p, *seg, *info);
    return true;
  }
  Segment* const seg = ownSegment(p);
  return seg != nullptr && !seg->isSlab() && freeLarge(*seg, p);
}

void DeviceAllocator::free(void* ptr) {
  char* const p = static_cast<char*>(ptr);
  BiasedMutex::Guard lock(mutex_);
  if (!freeLocked(p)) rejectFree(p, locate(p));
}

bool DeviceAllocator::freeLarge(Segment& seg, char* p) noexcept {
  const auto block = seg.blocks.find(p);
  if (block == seg.blocks.end() || !block->second.info.allocated) return false;
  BlockInfo& info = block->second.info;
  onFree(p, block->second.size, info.requested);
  info = BlockInfo{};
  const auto next = std::next(block);
  const bool free_neighbour = (next != seg.blocks.end() && !next->second.info.allocated) ||
                              (block != seg.blocks.begin() && !std::prev(block)->second.info.allocated);
  if (!free_neighbour && parked_count_ < kParkedMax) {
    parked_[parked_count_++] = block;
  } else {
    coalesce(seg, block);
  }
  return true;
}

void DeviceAllocator::rejectFree(const char* p, const Located& at) const {
  if (at.seg == nullptr) throw notDeviceMemory(p);
  const std::string where = " on device " + std::to_string(device_);
  if (at.info != nullptr && at.info->allocated) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  hex(p) + " points " + std::to_string(p - at.start) + " bytes into the live " +
                      std::to_string(at.info->requested) + "-byte allocation at " + hex(at.start) +
                      where + ": free the pointer that device_alloc returned");
  }
  throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                hex(p) + " is not a live allocation" + where + " (already freed?)");
}

// Merges a freed large block with free neighbours and caches the result.
void DeviceAllocator::coalesce(Segment& seg, BlockMap::iterator block) noexcept {
  const auto next = std::next(block);
  if (next != seg.blocks.end() && !next->second.info.allocated) {
    unpark(next);
    uncacheFree(next->second.size, next->first);
    block->second.size += next->second.size;
    dropBlock(seg, next);
  }
  if (block != seg.blocks.begin()) {
    const auto prev = std::prev(block);
    if (!prev->second.info.allocated) {
      unpark(prev);
      uncacheFree(prev->second.size, prev->first);
      prev->second.size += block->second.size;
      dropBlock(seg, block);
      block = prev;
    }
  }
  try {
    cacheFree(block->second.size, block->first);
  } catch (...) {  // out of host memory: the block is not reused until its segment is released
  }
}

void DeviceAllocator::unpark(BlockMap::iterator block) noexcept {
  for (size_t i = 0; i < parked_count_; ++i) {
    if (parked_[i] == block) {
      parked_[i] = parked_[--parked_count_];
      return;
    }
  }
}

void DeviceAllocator::flushParked() noexcept {
  for (size_t i = 0; i < parked_count_; ++i) {
    const BlockMap::iterator block = parked_[i];
    try {
      cacheFree(block->second.size, block->first);
    } catch (...) {  // out of host memory: the block is not reused until its segment is released
    }
  }
  parked_count_ = 0;
}

bool DeviceAllocator::contains(const void* ptr, size_t bytes) const noexcept {
  BiasedMutex::Guard lock(mutex_);
  const Located at = locate(ptr);
  if (at.info == nullptr || !at.info->allocated) return false;
  const uintptr_t p = reinterpret_cast<uintptr_t>(ptr);
  const uintptr_t end = reinterpret_cast<uintptr_t>(at.start) + at.info->requested;
  return p < end && bytes <= end - p;
}

// ---- the cache ----------------------------------------------------------------

void DeviceAllocator::emptyCache() noexcept {
  BiasedMutex::Guard lock(mutex_);
  releaseUnusedSegments();
}

void DeviceAllocator::releaseUnusedSegments() noexcept {
  flushParked();
  for (auto it = segments_.begin(); it != segments_.end();) {
    Segment& seg = *it->second;
    if (!seg.unused()) {
      ++it;
      continue;
    }
    if (seg.isSlab()) {
      SizeClass& cls = classes_[seg.class_index];
      const auto inside = [&](const CachedBlock& b) { return b.seg == &seg; };
      const auto first = cls.cached.begin();
      const auto last = first + static_cast<ptrdiff_t>(cls.count);
      cls.count = static_cast<size_t>(std::remove_if(first, last, inside) - first);
      cls.cached.resize(cls.cached.size() - seg.slab.size());  // shrinks: never throws
      if (cls.current == &seg) cls.current = nullptr;
    } else {
      uncacheFree(seg.size, seg.base);
    }
    g_segment_map.clear(seg.base, seg.size);
    stats_.reserved_bytes -= seg.size;
    --stats_.segments;
    ++stats_.num_segment_frees;
    record(TraceAction::SegmentFree, reinterpret_cast<uintptr_t>(seg.base), seg.size);
    it = segments_.erase(it);  // unmaps
  }
}

// ---- statistics and history -------------------------------------------------

MTIA_SAMPLE_HOT uint64_t DeviceAllocator::onAlloc(const char* p, size_t block_size,
                                                  size_t requested) noexcept {
  DeviceMemoryStats& s = stats_;
  s.allocated_bytes += block_size;
  s.peak_allocated_bytes = std::max(s.peak_allocated_bytes, s.allocated_bytes);
  s.requested_bytes += requested;
  s.peak_requested_bytes = std::max(s.peak_requested_bytes, s.requested_bytes);
  ++s.num_allocs;
  return record(TraceAction::Alloc, reinterpret_cast<uintptr_t>(p), block_size);
}

MTIA_SAMPLE_HOT void DeviceAllocator::onFree(const char* p, size_t block_size,
                                             size_t requested) noexcept {
  stats_.allocated_bytes -= block_size;
  stats_.requested_bytes -= requested;
  ++stats_.num_frees;
  record(TraceAction::Free, reinterpret_cast<uintptr_t>(p), block_size);
}

MTIA_SAMPLE_HOT uint64_t DeviceAllocator::record(TraceAction action, uintptr_t addr,
                                                 uint64_t size) noexcept {
  ++seq_;  // every event, recorded or not: gaps in a trace show what it lacks
  if (__builtin_expect(history_.mode == HistoryMode::Off, 1)) return 0;
  if (history_.mode == HistoryMode::All) trace_.push({seq_, action, addr, size});
  return seq_;
}

DeviceMemoryStats DeviceAllocator::stats() const noexcept {
  DeviceMemoryStats s;
  {
    BiasedMutex::Guard lock(mutex_);
    s = stats_;
  }
  s.active_allocations = s.num_allocs - s.num_frees;
  return s;
}

void DeviceAllocator::resetPeakStats() noexcept {
  BiasedMutex::Guard lock(mutex_);
  stats_.peak_allocated_bytes = stats_.allocated_bytes;
  stats_.peak_requested_bytes = stats_.requested_bytes;
  stats_.peak_reserved_bytes = stats_.reserved_bytes;
}

void DeviceAllocator::setHistory(const HistoryConfig& config) {
  BiasedMutex::Guard lock(mutex_);
  if (config.mode == HistoryMode::Off) {
    trace_.clear();
  } else {
    trace_.setCapacity(config.max_entries);
  }
  history_ = config;
}

DeviceView DeviceAllocator::view() const {
  BiasedMutex::Guard lock(mutex_);
  DeviceView view;
  view.segments.reserve(segments_.size());
  for (const auto& entry : segments_) {
    const Segment& seg = *entry.second;
    SegmentView& out = view.segments.emplace_back();
    out.address = reinterpret_cast<uintptr_t>(seg.base);
    out.size = seg.size;
    out.small = seg.isSlab();
    out.block_size = seg.block_size;
    // Consecutive free ranges are shown as one inactive block.
    const auto add = [&](uintptr_t address, uint64_t size, const BlockInfo& info) {
      if (!info.allocated && !out.blocks.empty() && !out.blocks.back().allocated) {
        out.blocks.back().size += size;
      } else {
        out.blocks.push_back({address, size, info.requested, info.alloc_seq, info.allocated});
      }
    };
    if (seg.isSlab()) {
      for (size_t i = 0; i < seg.slab.size(); ++i) {
        add(out.address + i * seg.block_size, seg.block_size, seg.slab[i]);
      }
      const size_t tail = seg.slab.size() * seg.block_size;
      if (tail < seg.size) add(out.address + tail, seg.size - tail, BlockInfo{});
    } else {
      for (const auto& [start, block] : seg.blocks) {
        add(reinterpret_cast<uintptr_t>(start), block.size, block.info);
      }
    }
  }
  view.trace = trace_.ordered();
  view.history = history_;
  return view;
}

// ---- OOM observers ------------------------------------------------------------

void OomObservers::add(mtia_oom_observer_fn observer, void* user_data) {
  if (observer == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "observer is NULL");
  std::lock_guard<std::mutex> lock(mutex_);
  observers_.push_back({observer, user_data});
}

void OomObservers::notify(int32_t device, const OomReport& oom) const noexcept {
  std::vector<Entry> observers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      observers = observers_;  // call without the lock held
    } catch (...) {            // no host memory for a copy: call them under the lock
      for (const Entry& e : observers_) e.fn(e.user_data, device, oom.requested, oom.total, oom.free);
      return;
    }
  }
  for (const Entry& e : observers) e.fn(e.user_data, device, oom.requested, oom.total, oom.free);
}

}  // namespace mtia_sample
