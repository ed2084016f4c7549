// bench_hooks.cpp — the hot hooks, through the host and against the
// in-process baseline built three ways, from 1 and 2 threads, with no heap
// allocation allowed in the timed loop; and the same rows counted in
// instructions under callgrind (countHotHookInstructions, bench/callgrind.sh).
#include "alloc_count.h"
#include "bench_support.h"
#include "callgrind_rows.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

namespace mtia_bench {

namespace {

using mtia::MTIAHooksInterface;

const std::vector<Subject> kAll = {Subject::Host, Subject::InProcess, Subject::LibSameTLS,
                                   Subject::LibPIC};
const std::vector<Subject> kAllAndFloor = {Subject::Host, Subject::InProcess, Subject::LibSameTLS,
                                           Subject::LibPIC, Subject::Floor};

// The hot hooks, once for both users: visit(hook, call, subjects), where
// `call(hooks, fixture, odd)` is one call of the hook and `odd` alternates so
// setters really change state.
template <class Visit>
void forEachHotHook(Visit visit) {
  visit("getCurrentDevice", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getCurrentDevice());
  }, kAllAndFloor);
  visit("setCurrentDevice", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    h.setCurrentDevice(f.devices[odd]);
  }, kAll);
  visit("exchangeDevice", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    benchmark::DoNotOptimize(h.exchangeDevice(f.devices[odd]));
  }, kAll);
  visit("maybeExchangeDevice", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    benchmark::DoNotOptimize(h.maybeExchangeDevice(f.devices[odd]));
  }, kAll);
  visit("hasPrimaryContext", [](const MTIAHooksInterface& h, const Fixture& f, bool) {
    benchmark::DoNotOptimize(h.hasPrimaryContext(f.devices[0]));
  }, kAll);
  visit("getCurrentStream", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getCurrentStream(-1));
  }, kAllAndFloor);
  visit("getCurrentRawStream", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getCurrentRawStream(-1));
  }, kAll);
  visit("getDefaultStream", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getDefaultStream(-1));
  }, kAll);
  visit("setCurrentStream", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    h.setCurrentStream(f.streams[odd]);
  }, kAll);
}

std::string rowName(Subject subject, const char* hook) {
  return std::string(subjectName(subject)) + "/" + hook;
}

// The hooks object of `f`, its dynamic type hidden from the optimiser, after
// one warm-up call (a thread's first call may set up its state).
template <class Call>
const MTIAHooksInterface* warmedUp(const Fixture& f, Call call) {
  const MTIAHooksInterface* hooks = f.hooks;
  benchmark::DoNotOptimize(hooks);
  call(*hooks, f, false);
  return hooks;
}

const bool registered = [] {
  forEachHotHook([](const char* hook, auto call, const std::vector<Subject>& subjects) {
    for (const Subject subject : subjects) {
      benchmark::RegisterBenchmark(rowName(subject, hook).c_str(), [subject, call](benchmark::State& state) {
        runGuarded(state, [&] {
          const Fixture& f = fixture(subject);
          const MTIAHooksInterface* hooks = warmedUp(f, call);
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
  });

  // Steady state: a pointer read, no lock (target: <= 2 ns).
  benchmark::RegisterBenchmark("Host/getMTIAHooks", [](benchmark::State& state) {
    const uint64_t before = threadAllocations();
    for (auto _ : state) benchmark::DoNotOptimize(&mtia::getMTIAHooks());
    failIfAllocated(state, before, "getMTIAHooks()");
  })->Threads(1)->Threads(2);
  return true;
}();

// One row of the callgrind mode: the same loop as the benchmark's.
template <class Call>
void countRow(const std::string& name, const Fixture& f, long iterations, Call call) {
  const MTIAHooksInterface* hooks = warmedUp(f, call);
  bool odd = false;
  countLoop(name, iterations, [&](long) {
    call(*hooks, f, odd);
    odd = !odd;
  });
}

}  // namespace

int countHotHookInstructions(long iterations) {
#ifdef MTIA_BENCH_HAVE_CALLGRIND
  if (!RUNNING_ON_VALGRIND) {
    std::fprintf(stderr, "mtia_bench: --mtia_count_instructions needs valgrind --tool=callgrind "
                         "--instr-atstart=no (bench/callgrind.sh)\n");
    return 1;
  }
  countRow("Empty/loop", fixture(Subject::Host), iterations,
           [](const MTIAHooksInterface&, const Fixture&, bool odd) { benchmark::DoNotOptimize(odd); });
  forEachHotHook([iterations](const char* hook, auto call, const std::vector<Subject>& subjects) {
    for (const Subject subject : subjects) countRow(rowName(subject, hook), fixture(subject), iterations, call);
  });
  countJsonInstructions(iterations / 1000);  // about 10^4-10^5 instructions a call
  return 0;
#else
  (void)iterations;
  std::fprintf(stderr, "mtia_bench: built without <valgrind/callgrind.h> (install valgrind, "
                       "scripts/install-deps.sh, and reconfigure)\n");
  return 1;
#endif
}

}  // namespace mtia_bench
