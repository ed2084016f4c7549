// bench_hooks.cpp — the hot hooks, through the host and in-process, from 1
// and 2 threads, with no heap allocation allowed in the timed loop.
#include "alloc_count.h"
#include "bench_support.h"

#include <benchmark/benchmark.h>

#include <initializer_list>
#include <string>

namespace mtia_bench {

namespace {

using mtia::MTIAHooksInterface;

// Registers "<Subject>/<hook>" for each subject. `call(hooks, fixture, odd)`
// is one call of the hook; `odd` alternates so setters really change state.
template <class Call>
void registerHook(const char* hook, Call call,
                  std::initializer_list<Subject> subjects = {Subject::Host, Subject::InProcess}) {
  for (const Subject subject : subjects) {
    const std::string name = std::string(subjectName(subject)) + "/" + hook;
    benchmark::RegisterBenchmark(name.c_str(), [subject, call](benchmark::State& state) {
      runGuarded(state, [&] {
        const Fixture& f = fixture(subject);
        const MTIAHooksInterface* hooks = f.hooks;
        benchmark::DoNotOptimize(hooks);  // the dynamic type stays unknown
        call(*hooks, f, false);  // a thread's first call may set up its state
        bool odd = false;
        const uint64_t before = threadAllocations();
        for (auto _ : state) {
          call(*hooks, f, odd);
          odd = !odd;
        }
        failIfAllocated(state, before, "the hook");
      });
    })->Threads(1)->Threads(2);
  }
}

const bool registered = [] {
  const auto all = {Subject::Host, Subject::InProcess, Subject::Floor};
  registerHook("getCurrentDevice", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getCurrentDevice());
  }, all);
  registerHook("setCurrentDevice", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    h.setCurrentDevice(f.devices[odd]);
  });
  registerHook("exchangeDevice", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    benchmark::DoNotOptimize(h.exchangeDevice(f.devices[odd]));
  });
  registerHook("maybeExchangeDevice", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    benchmark::DoNotOptimize(h.maybeExchangeDevice(f.devices[odd]));
  });
  registerHook("hasPrimaryContext", [](const MTIAHooksInterface& h, const Fixture& f, bool) {
    benchmark::DoNotOptimize(h.hasPrimaryContext(f.devices[0]));
  });
  registerHook("getCurrentStream", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getCurrentStream(-1));
  }, all);
  registerHook("getCurrentRawStream", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getCurrentRawStream(-1));
  });
  registerHook("getDefaultStream", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getDefaultStream(-1));
  });
  registerHook("setCurrentStream", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    h.setCurrentStream(f.streams[odd]);
  });

  // Steady state: a pointer read, no lock (target: <= 2 ns).
  benchmark::RegisterBenchmark("Host/getMTIAHooks", [](benchmark::State& state) {
    const uint64_t before = threadAllocations();
    for (auto _ : state) benchmark::DoNotOptimize(&mtia::getMTIAHooks());
    failIfAllocated(state, before, "getMTIAHooks()");
  })->Threads(1)->Threads(2);
  return true;
}();

}  // namespace

}  // namespace mtia_bench
