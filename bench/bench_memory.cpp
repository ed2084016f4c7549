// bench_memory.cpp — device memory through the host:
//   Memory/host_alloc_free/<bytes>  deviceAlloc + deviceFree of one size on the
//                                   sample plugin behind getMTIAHooks(): after
//                                   the first pair every block comes from the
//                                   allocator's cache (the cached path)
//   Memory/malloc_free/<bytes>      std::malloc + std::free of the same size
//   Memory/threads_own_device/512/threads:2
//                                   the host pair on two threads, each with
//                                   its own device (the usual pattern)
//   Memory/threads_same_device/512/threads:2
//                                   the host pair on two threads sharing
//                                   device 0: the allocator's mutex contended
// Target: the host pair takes at most 2x malloc+free. Neither may allocate
// host memory in the timed loop beyond malloc's own (checked for the host
// pairs). The two-thread rows have no target; they show what contention costs.
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

// The cached pair on `device`.
void allocFreeLoop(benchmark::State& state, mtia::DeviceIndex device, size_t bytes) {
  runGuarded(state, [&] {
    const mtia::MTIAHooksInterface* hooks = fixture(Subject::Host).hooks;
    benchmark::DoNotOptimize(hooks);
    hooks->deviceFree(hooks->deviceAlloc(device, bytes));  // fills the cache
    const uint64_t before = threadAllocations();
    for (auto _ : state) {
      void* p = hooks->deviceAlloc(device, bytes);
      benchmark::DoNotOptimize(p);
      hooks->deviceFree(p);
    }
    failIfAllocated(state, before, "the cached deviceAlloc+deviceFree pair");
  });
}

void hostAllocFree(benchmark::State& state) {
  allocFreeLoop(state, 0, static_cast<size_t>(state.range(0)));
}

// The sample plugin has two devices by default; thread i uses device i % 2.
void threadsOwnDevice(benchmark::State& state) {
  allocFreeLoop(state, static_cast<mtia::DeviceIndex>(state.thread_index() % 2),
                static_cast<size_t>(state.range(0)));
}

void threadsSameDevice(benchmark::State& state) {
  allocFreeLoop(state, 0, static_cast<size_t>(state.range(0)));
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
  benchmark::RegisterBenchmark("Memory/threads_own_device", threadsOwnDevice)->Arg(512)->Threads(2);
  benchmark::RegisterBenchmark("Memory/threads_same_device", threadsSameDevice)->Arg(512)->Threads(2);
  return true;
}();

}  // namespace

}  // namespace mtia_bench
