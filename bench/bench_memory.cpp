// bench_memory.cpp — the host's own overhead on device memory:
//   Memory/host_alloc_free/<bytes>    deviceAlloc + deviceFree of one size on the
//                                     sample plugin behind getMTIAHooks()
//   Memory/direct_alloc_free/<bytes>  the same plugin's device_alloc +
//                                     device_free slots called straight through
//                                     its table (a private copy of the .so)
//   Memory/threads_own_device/512/threads:2
//                                     the host pair on two threads, each with
//                                     its own device
//   Memory/threads_same_device/512/threads:2
//                                     the host pair on two threads sharing device 0
// After the first pair every block comes from the plugin's cache. Target: the
// host pair takes at most 1.2x the direct pair (bench/report.py). The sample
// plugin's allocator is not tuned: what it costs is the same on both sides.
#include "bench_support.h"

#include <benchmark/benchmark.h>

#include <dlfcn.h>

#include <stdexcept>

namespace mtia_bench {

namespace {

// 512 B and 4 KiB: small size classes; 64 KiB and 1 MiB: the largest
// classes' range; 4 MiB: a best-fit block of a large segment.
constexpr int64_t kSizes[] = {512, 4096, 64 << 10, 1 << 20, 4 << 20};

// The table of an initialised private copy of the sample plugin (left loaded).
const mtia_plugin_api_t* directTable() {
  static const PluginCopy copy;
  static const mtia_host_services_t services = benchHostServices();
  static const mtia_plugin_api_t* const api = []() -> const mtia_plugin_api_t* {
    void* handle = dlopen(copy.path().c_str(), RTLD_NOW | RTLD_LOCAL);
    auto entry = reinterpret_cast<mtia_plugin_get_api_fn>(
        handle != nullptr ? dlsym(handle, MTIA_PLUGIN_ENTRY_SYMBOL) : nullptr);
    const mtia_plugin_api_t* table = nullptr;
    if (entry == nullptr || entry(&services, &table, nullptr) != MTIA_STATUS_OK ||
        table->initialize() != MTIA_STATUS_OK) {
      throw std::runtime_error("cannot load and initialise a copy of the sample plugin");
    }
    return table;
  }();
  return api;
}

// The cached pair on `device` through the host.
void allocFreeLoop(benchmark::State& state, mtia::DeviceIndex device, size_t bytes) {
  runGuarded(state, [&] {
    const mtia::MTIAHooksInterface* hooks = fixture(Subject::Host).hooks;
    benchmark::DoNotOptimize(hooks);
    hooks->deviceFree(hooks->deviceAlloc(device, bytes));  // fills the cache
    for (auto _ : state) {
      void* p = hooks->deviceAlloc(device, bytes);
      benchmark::DoNotOptimize(p);
      hooks->deviceFree(p);
    }
  });
}

void hostAllocFree(benchmark::State& state) {
  allocFreeLoop(state, 0, static_cast<size_t>(state.range(0)));
}

// The same pair through the plugin's own table: what the host adds is the difference.
void directAllocFree(benchmark::State& state) {
  runGuarded(state, [&] {
    const mtia_plugin_api_t* api = directTable();
    const auto bytes = static_cast<size_t>(state.range(0));
    void* p = nullptr;
    if (api->device_alloc(0, bytes, &p) != MTIA_STATUS_OK || api->device_free(p) != MTIA_STATUS_OK) {
      throw std::runtime_error("the plugin's device_alloc/device_free failed");
    }
    for (auto _ : state) {
      api->device_alloc(0, bytes, &p);
      benchmark::DoNotOptimize(p);
      api->device_free(p);
    }
  });
}

// The sample plugin has two devices by default; thread i uses device i % 2.
void threadsOwnDevice(benchmark::State& state) {
  allocFreeLoop(state, static_cast<mtia::DeviceIndex>(state.thread_index() % 2),
                static_cast<size_t>(state.range(0)));
}

void threadsSameDevice(benchmark::State& state) {
  allocFreeLoop(state, 0, static_cast<size_t>(state.range(0)));
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

}  // namespace mtia_bench
