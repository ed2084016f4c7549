// bench_load.cpp — the cost of loading and unloading the sample plugin:
// through mtia::PluginLoader, as a bare dlopen+dlsym, and the plugin's own
// initialize()+shutdown() on their own.
#include "bench_support.h"

#include <mtia/loader.h>
#include <mtia/plugin_abi.h>

#include <benchmark/benchmark.h>

#include <dlfcn.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace mtia_bench {

namespace {

namespace fs = std::filesystem;

// A private copy of the sample plugin. The file behind getMTIAHooks() stays
// loaded for the life of the process, and dlopen of a loaded file only bumps
// a reference count, so measuring a real load needs a file of its own.
class PluginCopy {
 public:
  PluginCopy() {
    std::string dir = (fs::temp_directory_path() / "mtia-bench-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) throw std::system_error(errno, std::generic_category(), dir);
    dir_ = dir;
    path_ = (dir_ / fs::path(kSamplePluginPath).filename()).string();
    fs::copy_file(kSamplePluginPath, path_);
    fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  }
  ~PluginCopy() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  const std::string& path() const noexcept { return path_; }

 private:
  fs::path dir_;
  std::string path_;
};

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

void noLog(void*, mtia_log_level_t, const char*) noexcept {}

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
  mtia_host_services_t services{};
  services.struct_size = sizeof(services);
  services.abi_major = MTIA_PLUGIN_ABI_MAJOR;
  services.abi_minor = MTIA_PLUGIN_ABI_MINOR;
  services.host_name = "mtia_bench";
  services.log = &noLog;
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
