// alloc_count.h — counts heap allocations made by the calling thread.
//
// The benchmark executable replaces malloc, calloc, realloc, memalign,
// aligned_alloc, posix_memalign and every global operator new (forwarding to
// glibc's allocator), so allocations by the host, the plugin and libstdc++
// are all counted. The count is per thread: a benchmark thread sees only its
// own allocations.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

namespace mtia_bench {

// Allocations made by the calling thread since it started.
uint64_t threadAllocations() noexcept;

// Fails the benchmark when the calling thread allocated since `before`.
inline void failIfAllocated(benchmark::State& state, uint64_t before, const char* what) {
  const uint64_t n = threadAllocations() - before;
  if (n != 0) {
    const std::string message = std::string(what) + " allocated " + std::to_string(n) +
                                " time(s) in " + std::to_string(state.iterations()) +
                                " iteration(s); hot hooks must not allocate";
    state.SkipWithError(message.c_str());
  }
}

}  // namespace mtia_bench
