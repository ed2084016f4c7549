// memory_pinned.h — pinned host memory of the sample plugin, and the
// registry that answers isPinnedPtr for interior pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace mtia_sample {

class PinnedMemory {
 public:
  PinnedMemory() = default;
  ~PinnedMemory();  // frees what the host did not
  PinnedMemory(const PinnedMemory&) = delete;
  PinnedMemory& operator=(const PinnedMemory&) = delete;

  // bytes > 0. Throws Failure(OUT_OF_MEMORY).
  void* allocate(size_t bytes);
  // Throws Failure(INVALID_ARGUMENT) unless ptr is a live allocation's start.
  void free(void* ptr);
  // True iff ptr lies inside a live allocation.
  bool contains(const void* ptr) const noexcept;

 private:
  mutable std::mutex mutex_;
  std::map<uintptr_t, size_t> live_;  // start -> size
};

}  // namespace mtia_sample
