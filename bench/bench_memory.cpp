// bench_memory.cpp — device memory through the host:
//   Memory/host_alloc_free/<bytes>  deviceAlloc + deviceFree of one size on the
//                                   sample plugin behind getMTIAHooks(): after
//                                   the first pair every block comes from the
//                                   allocator's cache (the cached path)
//   Memory/malloc_free/<bytes>      std::malloc + std::free of the same size
// Target: the host pair takes at most 2x malloc+free. Neither may allocate
// host memory in the timed loop beyond malloc's own (checked for the host pair).
#include "alloc_count.h"
#include "bench_support.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

namespace mtia_bench {

namespace {

// 512 B and 4 KiB: small size classes; 64 KiB and 1 MiB: the largest
// classes' range; 4 MiB: a best-fit block of a large segment.
constexpr int64_t kSizes[] = {512, 4096, 64 << 10, 1 << 20, 4 << 20};

void hostAllocFree(benchmark::State& state) {
  runGuarded(state, [&] {
    const mtia::MTIAHooksInterface* hooks = fixture(Subject::Host).hooks;
    benchmark::DoNotOptimize(hooks);
    const auto bytes = static_cast<size_t>(state.range(0));
    hooks->deviceFree(hooks->deviceAlloc(0, bytes));  // fills the cache
    const uint64_t before = threadAllocations();
    for (auto _ : state) {
      void* p = hooks->deviceAlloc(0, bytes);
      benchmark::DoNotOptimize(p);
      hooks->deviceFree(p);
    }
    failIfAllocated(state, before, "the cached deviceAlloc+deviceFree pair");
  });
}

void mallocFree(benchmark::State& state) {
  const auto bytes = static_cast<size_t>(state.range(0));
  std::free(std::malloc(bytes));
  for (auto _ : state) {
    void* p = std::malloc(bytes);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
}

const bool registered = [] {
  for (const int64_t bytes : kSizes) {
    benchmark::RegisterBenchmark("Memory/host_alloc_free", hostAllocFree)->Arg(bytes);
    benchmark::RegisterBenchmark("Memory/malloc_free", mallocFree)->Arg(bytes);
  }
  return true;
}();

}  // namespace

}  // namespace mtia_bench
