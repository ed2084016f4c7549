// bench_load.cpp — the cost of loading and unloading the sample plugin:
// through mtia::PluginLoader, as a bare dlopen+dlsym, and the plugin's own
// initialize()+shutdown() on their own.
#include "bench_support.h"

#include <mtia/loader.h>
#include <mtia/plugin_abi.h>

#include <benchmark/benchmark.h>

#include <dlfcn.h>
#include <stdlib.h>

#include <string>

namespace mtia_bench {

namespace {

const std::string& pluginCopy() {
  static const PluginCopy copy;
  return copy.path();
}

// Fails the benchmark if `path` is still mapped: then the loop measured a
// reference count, not a load.
void failIfStillLoaded(benchmark::State& state, const std::string& path) {
  if (void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD)) {
    dlclose(handle);
    state.SkipWithError("the plugin stayed loaded after unloading it");
  }
}


void bareDlopen(benchmark::State& state) {
  const std::string& path = pluginCopy();
  for (auto _ : state) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      state.SkipWithError(dlerror());
      break;
    }
    benchmark::DoNotOptimize(dlsym(handle, MTIA_PLUGIN_ENTRY_SYMBOL));
    dlclose(handle);
  }
  failIfStillLoaded(state, path);
}

void loaderLoad(benchmark::State& state) {
  const std::string& path = pluginCopy();
  mtia::PluginLoader loader;
  runGuarded(state, [&] {
    for (auto _ : state) {
      benchmark::DoNotOptimize(&loader.load(path));
      loader.unload();
    }
    failIfStillLoaded(state, path);
  });
}

// The plugin's own share of a load: query, initialize() and shutdown().
void pluginInit(benchmark::State& state) {
  const std::string& path = pluginCopy();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  auto entry = reinterpret_cast<mtia_plugin_get_api_fn>(
      handle != nullptr ? dlsym(handle, MTIA_PLUGIN_ENTRY_SYMBOL) : nullptr);
  if (entry == nullptr) {
    state.SkipWithError("cannot open the plugin copy");
    return;
  }
  const mtia_host_services_t services = benchHostServices();
  for (auto _ : state) {
    const mtia_plugin_api_t* api = nullptr;
    if (entry(&services, &api, nullptr) != MTIA_STATUS_OK || api->initialize() != MTIA_STATUS_OK) {
      state.SkipWithError("the plugin failed to initialise");
      break;
    }
    api->shutdown();
  }
  dlclose(handle);
}

const bool registered = [] {
  benchmark::RegisterBenchmark("Load/dlopen", &bareDlopen);
  benchmark::RegisterBenchmark("Load/loader", &loaderLoad);
  benchmark::RegisterBenchmark("Load/plugin_init", &pluginInit);
  return true;
}();

}  // namespace

}  // namespace mtia_bench
