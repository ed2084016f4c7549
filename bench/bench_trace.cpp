// bench_trace.cpp — the tracing layer's cost (docs/tracing.md): the hot
// getters of one copy of the sample plugin loaded with MTIA_TRACE (each call
// recorded by the tracing decorator, the ring buffer full and overwriting)
// next to another copy loaded without it (the adapter itself, as Host/ rows).
#include "bench_support.h"

#include <mtia/loader.h>

#include <benchmark/benchmark.h>

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace mtia_bench {

namespace {

using mtia::MTIAHooksInterface;

// Loaded on first use, kept to exit. The copies are constructed before the
// traced load registers the trace's exit flush, so they are removed after it.
const MTIAHooksInterface& hooksFor(bool traced) {
  static PluginCopy untraced_copy, traced_copy;
  static mtia::PluginLoader untraced_loader, traced_loader;
  static const MTIAHooksInterface& untraced = untraced_loader.load(untraced_copy.path());
  static const MTIAHooksInterface& tracing = [&]() -> const MTIAHooksInterface& {
    const std::string file =
        (std::filesystem::path(traced_copy.path()).parent_path() / "trace.json").string();
    setenv("MTIA_TRACE", file.c_str(), 1);
    const MTIAHooksInterface& hooks = traced_loader.load(traced_copy.path());
    unsetenv("MTIA_TRACE");
    return hooks;
  }();
  return traced ? tracing : untraced;
}

template <class Call>
void registerPair(const char* hook, Call call) {
  for (const bool traced : {false, true}) {
    const std::string name = std::string("Trace/") + (traced ? "traced/" : "untraced/") + hook;
    benchmark::RegisterBenchmark(name.c_str(), [traced, call](benchmark::State& state) {
      runGuarded(state, [&] {
        const MTIAHooksInterface* hooks = &hooksFor(traced);
        benchmark::DoNotOptimize(hooks);  // the dynamic type stays unknown
        // Fill the ring first: the steady state overwrites the oldest record.
        for (int i = 0; i < (1 << 17); ++i) call(*hooks);
        for (auto _ : state) call(*hooks);
      });
    })->Threads(1);
  }
}

const bool registered = [] {
  registerPair("getCurrentDevice",
               [](const MTIAHooksInterface& h) { benchmark::DoNotOptimize(h.getCurrentDevice()); });
  registerPair("getCurrentStream",
               [](const MTIAHooksInterface& h) { benchmark::DoNotOptimize(h.getCurrentStream(-1)); });
  return true;
}();

}  // namespace

}  // namespace mtia_bench
