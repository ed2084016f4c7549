#include "memory_pinned.h"

#include <mtia/plugin_support.hpp>

#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>

namespace mtia_sample {

using mtia::plugin::Failure;

namespace {

constexpr size_t kPinnedAlignment = 64;

std::string hex(uintptr_t p) {
  char text[2 + 2 * sizeof(uintptr_t) + 1];
  std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(p));
  return text;
}

}  // namespace

PinnedMemory::~PinnedMemory() {
  for (const auto& entry : live_) std::free(reinterpret_cast<void*>(entry.first));
}

void* PinnedMemory::allocate(size_t bytes) {
  const size_t rounded = (bytes + kPinnedAlignment - 1) / kPinnedAlignment * kPinnedAlignment;
  void* p = rounded >= bytes ? std::aligned_alloc(kPinnedAlignment, rounded) : nullptr;
  if (p == nullptr) {
    throw Failure(MTIA_STATUS_OUT_OF_MEMORY,
                  "cannot allocate " + std::to_string(bytes) + " bytes of pinned host memory");
  }
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    live_.emplace(reinterpret_cast<uintptr_t>(p), bytes);
  } catch (...) {
    std::free(p);
    throw;
  }
  return p;
}

void PinnedMemory::free(void* ptr) {
  const auto p = reinterpret_cast<uintptr_t>(ptr);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = live_.find(p);
    if (it != live_.end()) {
      live_.erase(it);
      std::free(ptr);
      return;
    }
  }
  if (contains(ptr)) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  hex(p) + " points inside a pinned allocation: free the pointer that "
                           "pinned_alloc returned");
  }
  throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                hex(p) + " is not a live pinned allocation (not from pinned_alloc, or already freed)");
}

bool PinnedMemory::contains(const void* ptr) const noexcept {
  const auto p = reinterpret_cast<uintptr_t>(ptr);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.upper_bound(p);
  if (it == live_.begin()) return false;
  --it;
  return p - it->first < it->second;
}

}  // namespace mtia_sample
