// bench_memory.cpp — the host's own overhead on device memory:
//   Memory/host_alloc_free/<bytes>    deviceAlloc + deviceFree of one size on
//                                     a private copy of the sample plugin
//                                     loaded by a PluginLoader
//   Memory/direct_alloc_free/<bytes>  the same loaded plugin's device_alloc +
//                                     device_free slots called straight
//                                     through its table
//   Memory/threads_own_device/512/threads:2
//                                     the host pair on two threads, each with
//                                     its own device (the sample plugin
//                                     behind getMTIAHooks())
//   Memory/threads_same_device/512/threads:2
//                                     the host pair on two threads sharing device 0
// After the first pair every block comes from the plugin's cache. Target: the
// host pair takes at most 1.2x the direct pair (bench/report.py), judged on
// instructions per pair when counted (countMemoryInstructions, callgrind). The sample
// plugin's allocator is not tuned: what it costs is the same on both sides.
#include "bench_support.h"
#include "callgrind_rows.h"

#include <benchmark/benchmark.h>


#include <stdexcept>
#include <string>

namespace mtia_bench {

namespace {

// 512 B and 4 KiB: small size classes; 64 KiB and 1 MiB: the largest
// classes' range; 4 MiB: a best-fit block of a large segment.
constexpr int64_t kSizes[] = {512, 4096, 64 << 10, 1 << 20, 4 << 20};

// The host pair and the direct pair on one private copy (LoadedCopy): the
// same allocator state on both paths.
const LoadedPlugin& memoryPlugin() {
  static const LoadedCopy copy;
  return copy.plugin;
}

// One pair through the host, and through the plugin's own table: the
// timed loops' and the callgrind rows' bodies.
void hostPair(const mtia::MTIAHooksInterface& hooks, mtia::DeviceIndex device, size_t bytes) {
  void* p = hooks.deviceAlloc(device, bytes);
  benchmark::DoNotOptimize(p);
  hooks.deviceFree(p);
}

void directPair(const mtia_plugin_api_t& api, size_t bytes) {
  void* p = nullptr;
  api.device_alloc(0, bytes, &p);
  benchmark::DoNotOptimize(p);
  api.device_free(p);
}

// `shared`: the sample plugin behind getMTIAHooks() (the two-thread rows).
const mtia::MTIAHooksInterface* hostHooks(bool shared = false) {
  const mtia::MTIAHooksInterface* hooks = shared ? fixture(Subject::Sample).hooks : memoryPlugin().hooks;
  benchmark::DoNotOptimize(hooks);
  return hooks;
}

// The first pair through the table checks the slots (later pairs do not).
const mtia_plugin_api_t* checkedDirectTable(size_t bytes) {
  const mtia_plugin_api_t* api = memoryPlugin().table;
  void* p = nullptr;
  if (api->device_alloc(0, bytes, &p) != MTIA_STATUS_OK || api->device_free(p) != MTIA_STATUS_OK) {
    throw std::runtime_error("the plugin's device_alloc/device_free failed");
  }
  return api;
}

// The cached pair on `device` through the host.
void allocFreeLoop(benchmark::State& state, mtia::DeviceIndex device, size_t bytes,
                   bool shared = false) {
  runGuarded(state, [&] {
    const mtia::MTIAHooksInterface* hooks = hostHooks(shared);
    hostPair(*hooks, device, bytes);  // fills the cache
    for (auto _ : state) hostPair(*hooks, device, bytes);
  });
}

void hostAllocFree(benchmark::State& state) {
  allocFreeLoop(state, 0, static_cast<size_t>(state.range(0)));
}

// The same pair through the plugin's own table: what the host adds is the difference.
void directAllocFree(benchmark::State& state) {
  runGuarded(state, [&] {
    const auto bytes = static_cast<size_t>(state.range(0));
    const mtia_plugin_api_t* api = checkedDirectTable(bytes);
    for (auto _ : state) directPair(*api, bytes);
  });
}

// The sample plugin has two devices by default; thread i uses device i % 2.
void threadsOwnDevice(benchmark::State& state) {
  allocFreeLoop(state, static_cast<mtia::DeviceIndex>(state.thread_index() % 2),
                static_cast<size_t>(state.range(0)), true);
}

void threadsSameDevice(benchmark::State& state) {
  allocFreeLoop(state, 0, static_cast<size_t>(state.range(0)), true);
}

const bool registered = [] {
  for (const int64_t bytes : kSizes) {
    benchmark::RegisterBenchmark("Memory/host_alloc_free", hostAllocFree)->Arg(bytes);
    benchmark::RegisterBenchmark("Memory/direct_alloc_free", directAllocFree)->Arg(bytes);
  }
  benchmark::RegisterBenchmark("Memory/threads_own_device", threadsOwnDevice)->Arg(512)->Threads(2);
  benchmark::RegisterBenchmark("Memory/threads_same_device", threadsSameDevice)->Arg(512)->Threads(2);
  return true;
}();

}  // namespace

void countMemoryInstructions(long iterations) {
  const mtia::MTIAHooksInterface* hooks = hostHooks();
  for (const int64_t size : kSizes) {
    const auto bytes = static_cast<size_t>(size);
    const std::string suffix = "/" + std::to_string(size);
    hostPair(*hooks, 0, bytes);  // fills the cache
    countLoop("Memory/host_alloc_free" + suffix, iterations, [&](long) { hostPair(*hooks, 0, bytes); });
    const mtia_plugin_api_t* api = checkedDirectTable(bytes);
    countLoop("Memory/direct_alloc_free" + suffix, iterations, [&](long) { directPair(*api, bytes); });
  }
}

}  // namespace mtia_bench
