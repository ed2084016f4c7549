// main.cpp — sets up the process (plugin path, allocation counter, fixtures)
// and runs Google Benchmark.
#include "alloc_count.h"
#include "bench_support.h"
#include "in_process_hooks.h"

#include <mtia/loader.h>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>

namespace mtia_bench {

namespace {

Fixture g_fixtures[3];
std::unique_ptr<mtia::MTIAHooksInterface> g_in_process;
std::unique_ptr<mtia::MTIAHooksInterface> g_floor;

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
  return f;
}

}  // namespace

const char* subjectName(Subject subject) noexcept {
  switch (subject) {
    case Subject::Host: return "Host";
    case Subject::InProcess: return "InProcess";
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
  // The hot hooks are measured on the sample plugin behind getMTIAHooks().
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
    g_in_process = makeInProcessHooks(host.deviceCount());
    g_floor = makeFunctionTableHooks(host.deviceCount());
    g_fixtures[static_cast<int>(Subject::Host)] = makeFixture(host);
    g_fixtures[static_cast<int>(Subject::InProcess)] = makeFixture(*g_in_process);
    g_fixtures[static_cast<int>(Subject::Floor)].hooks = g_floor.get();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mtia_bench: setup failed: %s\n", e.what());
    return 1;
  }

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("mtia_plugin", kSamplePluginPath);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
