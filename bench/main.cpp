// main.cpp — sets up the process (plugin path, allocation counter, fixtures)
// and runs Google Benchmark.
#include "alloc_count.h"
#include "bench_support.h"
#include "in_process_hooks.h"
#include "tls_model.h"

#include <mtia/loader.h>

#include <benchmark/benchmark.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>

namespace mtia_bench {

namespace {

Fixture g_fixtures[kSubjects];
std::unique_ptr<mtia::MTIAHooksInterface> g_baselines[kSubjects];
std::unique_ptr<LoadedPlugin> g_bench_plugin;  // Host and Direct

// The hooks of a baseline library (bench/backend_library.cpp), opened as the
// host opens a plugin; the library stays loaded (the object's code is there).
std::unique_ptr<mtia::MTIAHooksInterface> openBackend(const char* path, int32_t device_count) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw std::runtime_error(dlerror());
  using Make = mtia::MTIAHooksInterface* (*)(int32_t) noexcept;
  auto make = reinterpret_cast<Make>(dlsym(handle, "mtia_bench_make_backend"));
  mtia::MTIAHooksInterface* hooks = make != nullptr ? make(device_count) : nullptr;
  if (hooks == nullptr) throw std::runtime_error(std::string(path) + ": cannot make the hooks");
  return std::unique_ptr<mtia::MTIAHooksInterface>(hooks);
}

// The LibSameTLS baseline is only a baseline if its code reaches its
// thread-local state as the plugins' does.
void requireSameTlsModel() {
  const std::string baseline = tlsModelOf(MTIA_BENCH_BACKEND_SAME_TLS_PATH);
  for (const std::string& path : {kBenchPluginPath, kSamplePluginPath}) {
    const std::string plugin = tlsModelOf(path);
    if (plugin != baseline) {
      throw std::runtime_error("the LibSameTLS baseline's TLS model is " + baseline + " but " + path +
                               "'s is " + plugin +
                               " (bench/CMakeLists.txt copies the sample plugin's compile options)");
    }
  }
  benchmark::AddCustomContext("tls_model_plugin", baseline);
  benchmark::AddCustomContext("tls_model_lib_same_tls", baseline);
  benchmark::AddCustomContext("tls_model_lib_pic", tlsModelOf(MTIA_BENCH_BACKEND_PIC_PATH));
}

// The counter must see both C and C++ allocations, or the checks prove nothing.
bool allocationCounterWorks() {
  const uint64_t before = threadAllocations();
  void* p = std::malloc(16);
  benchmark::DoNotOptimize(p);
  std::free(p);
  auto* q = new int(1);
  benchmark::DoNotOptimize(q);
  delete q;
  return threadAllocations() - before == 2;
}

Fixture makeFixture(const mtia::MTIAHooksInterface& hooks) {
  Fixture f;
  f.hooks = &hooks;
  f.streams[0] = hooks.getDefaultStream(0);
  f.streams[1] = hooks.createStream(0);
  for (int i = 0; i < 2; ++i) {
    f.abi_streams[i] = {f.streams[i].id(), f.streams[i].device_index(), MTIA_DEVICE_TYPE_MTIA};
  }
  return f;
}

}  // namespace

const char* subjectName(Subject subject) noexcept {
  switch (subject) {
    case Subject::Host: return "Host";
    case Subject::Sample: return "Sample";
    case Subject::Direct: return "Direct";
    case Subject::InProcess: return "InProcess";
    case Subject::LibSameTLS: return "LibSameTLS";
    case Subject::LibPIC: return "LibPIC";
    case Subject::Floor: return "Floor";
  }
  return "?";
}

const Fixture& fixture(Subject subject) noexcept {
  return g_fixtures[static_cast<int>(subject)];
}

}  // namespace mtia_bench

int main(int argc, char** argv) {
  using namespace mtia_bench;
  if (!allocationCounterWorks()) {
    std::fprintf(stderr, "mtia_bench: the allocation counter does not see allocations\n");
    return 1;
  }
  // The sample plugin is behind getMTIAHooks() (the Sample rows, memory, JSON, graphs).
  setenv("MTIA_PLUGIN_PATH", kSamplePluginPath.c_str(), 1);
  try {
    const mtia::MTIAHooksInterface& host = mtia::getMTIAHooks();
    if (!mtia::isMTIAHooksBuilt()) {
      std::fprintf(stderr, "mtia_bench: %s\n", host.unavailableReason().c_str());
      return 1;
    }
    if (host.deviceCount() < 2) {
      std::fprintf(stderr, "mtia_bench: needs at least 2 devices (MTIA_SAMPLE_DEVICE_COUNT)\n");
      return 1;
    }
    requireSameTlsModel();
    // The benchmark plugin before the baseline libraries: each takes its TLS
    // from glibc's static surplus while there is room (backend.h).
    g_bench_plugin = std::make_unique<LoadedPlugin>(kBenchPluginPath);
    const int32_t devices = g_bench_plugin->hooks->deviceCount();
    g_baselines[static_cast<int>(Subject::InProcess)] = makeInProcessHooks(devices);
    g_baselines[static_cast<int>(Subject::LibSameTLS)] =
        openBackend(MTIA_BENCH_BACKEND_SAME_TLS_PATH, devices);
    g_baselines[static_cast<int>(Subject::LibPIC)] = openBackend(MTIA_BENCH_BACKEND_PIC_PATH, devices);
    g_fixtures[static_cast<int>(Subject::Sample)] = makeFixture(host);
    Fixture& bench = g_fixtures[static_cast<int>(Subject::Host)];
    bench = makeFixture(*g_bench_plugin->hooks);
    Fixture& direct = g_fixtures[static_cast<int>(Subject::Direct)];
    direct = bench;  // the same plugin, its streams included
    direct.hooks = nullptr;
    direct.table = g_bench_plugin->table;
    for (const Subject s : {Subject::InProcess, Subject::LibSameTLS, Subject::LibPIC}) {
      g_fixtures[static_cast<int>(s)] = makeFixture(*g_baselines[static_cast<int>(s)]);
    }
    g_baselines[static_cast<int>(Subject::Floor)] = makeFunctionTableHooks(devices);
    g_fixtures[static_cast<int>(Subject::Floor)].hooks = g_baselines[static_cast<int>(Subject::Floor)].get();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mtia_bench: setup failed: %s\n", e.what());
    return 1;
  }

  // bench/callgrind.sh: instruction counts of the hot rows instead of times.
  constexpr const char* kCountFlag = "--mtia_count_instructions=";
  if (argc == 2 && std::strncmp(argv[1], kCountFlag, std::strlen(kCountFlag)) == 0) {
    return countHotHookInstructions(std::atol(argv[1] + std::strlen(kCountFlag)));
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("mtia_plugin", kSamplePluginPath);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
