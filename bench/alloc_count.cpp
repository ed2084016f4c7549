// alloc_count.cpp — malloc and operator new replacements that count.
//
// glibc documents replacing malloc by defining malloc/free/calloc/realloc (and
// the aligned variants) in the executable; these forward to glibc's own
// allocator through its exported __libc_* entry points, so memory may be
// released through either path. operator new forwards to __libc_* directly so
// that each allocation is counted exactly once.
#include "alloc_count.h"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <new>

extern "C" {
void* __libc_malloc(std::size_t size) noexcept;
void* __libc_calloc(std::size_t count, std::size_t size) noexcept;
void* __libc_realloc(void* ptr, std::size_t size) noexcept;
void* __libc_memalign(std::size_t alignment, std::size_t size) noexcept;
void __libc_free(void* ptr) noexcept;
}

namespace {

// Constant-initialised and trivially destructible: no TLS guard, usable from
// the first allocation of every thread.
thread_local uint64_t t_allocations = 0;

bool isPowerOfTwo(std::size_t n) noexcept { return n != 0 && (n & (n - 1)) == 0; }

// operator new's contract: retry through the new-handler, then throw.
template <class Fn>
void* newWith(Fn try_allocate) {
  ++t_allocations;
  for (;;) {
    if (void* p = try_allocate()) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* allocate(std::size_t size) {
  return newWith([=] { return __libc_malloc(size != 0 ? size : 1); });
}

void* allocateAligned(std::size_t size, std::align_val_t alignment) {
  return newWith([=] {
    return __libc_memalign(static_cast<std::size_t>(alignment), size != 0 ? size : 1);
  });
}

template <class Fn>
void* allocateNothrow(Fn fn) noexcept {
  try {
    return fn();
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

uint64_t mtia_bench::threadAllocations() noexcept { return t_allocations; }

// ---- C allocation functions -------------------------------------------------

extern "C" {

void* malloc(std::size_t size) noexcept {
  ++t_allocations;
  return __libc_malloc(size);
}

void* calloc(std::size_t count, std::size_t size) noexcept {
  ++t_allocations;
  return __libc_calloc(count, size);
}

void* realloc(void* ptr, std::size_t size) noexcept {
  ++t_allocations;
  return __libc_realloc(ptr, size);
}

void free(void* ptr) noexcept { __libc_free(ptr); }

void* memalign(std::size_t alignment, std::size_t size) noexcept {
  ++t_allocations;
  return __libc_memalign(alignment, size);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  ++t_allocations;
  return __libc_memalign(alignment, size);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  if (!isPowerOfTwo(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  ++t_allocations;
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

}  // extern "C"

// ---- global operator new / delete -------------------------------------------

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return allocateNothrow([&] { return allocate(size); });
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return allocateNothrow([&] { return allocate(size); });
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return allocateAligned(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return allocateAligned(size, alignment);
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocateNothrow([&] { return allocateAligned(size, alignment); });
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocateNothrow([&] { return allocateAligned(size, alignment); });
}

void operator delete(void* ptr) noexcept { __libc_free(ptr); }
void operator delete[](void* ptr) noexcept { __libc_free(ptr); }
void operator delete(void* ptr, std::size_t) noexcept { __libc_free(ptr); }
void operator delete[](void* ptr, std::size_t) noexcept { __libc_free(ptr); }
void operator delete(void* ptr, const std::nothrow_t&) noexcept { __libc_free(ptr); }
void operator delete[](void* ptr, const std::nothrow_t&) noexcept { __libc_free(ptr); }
void operator delete(void* ptr, std::align_val_t) noexcept { __libc_free(ptr); }
void operator delete[](void* ptr, std::align_val_t) noexcept { __libc_free(ptr); }
void operator delete(void* ptr, std::size_t, std::align_val_t) noexcept { __libc_free(ptr); }
void operator delete[](void* ptr, std::size_t, std::align_val_t) noexcept { __libc_free(ptr); }
void operator delete(void* ptr, std::align_val_t, const std::nothrow_t&) noexcept {
  __libc_free(ptr);
}
void operator delete[](void* ptr, std::align_val_t, const std::nothrow_t&) noexcept {
  __libc_free(ptr);
}
