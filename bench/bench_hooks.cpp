// bench_hooks.cpp — the hot hooks through the host (the benchmark plugin,
// and the sample plugin for information), the benchmark plugin's slots
// called directly, and the in-process baseline built three ways, from 1 and
// 2 threads, with no heap allocation allowed in the timed loop; and the same rows counted in
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

const std::vector<Subject> kAll = {Subject::Host,       Subject::Sample,     Subject::Direct,
                                   Subject::InProcess,  Subject::LibSameTLS, Subject::LibPIC};
const std::vector<Subject> kAllAndFloor = {Subject::Host,       Subject::Sample,
                                           Subject::Direct,     Subject::InProcess,
                                           Subject::LibSameTLS, Subject::LibPIC,
                                           Subject::Floor};

// The hot hooks, once for both users: visit(hook, call, direct, subjects),
// where `call(hooks, fixture, odd)` is one call of the hook, `direct(table,
// fixture, odd)` the same call of the plugin's slot (Direct), and `odd`
// alternates so setters really change state.
template <class Visit>
void forEachHotHook(Visit visit) {
  using T = mtia_plugin_api_t;
  visit("getCurrentDevice", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getCurrentDevice());
  }, [](const T& t, const Fixture&, bool) {
    benchmark::DoNotOptimize(t.get_current_device());
  }, kAllAndFloor);
  visit("setCurrentDevice", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    h.setCurrentDevice(f.devices[odd]);
  }, [](const T& t, const Fixture& f, bool odd) {
    benchmark::DoNotOptimize(t.set_current_device(f.devices[odd]));
  }, kAll);
  visit("exchangeDevice", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    benchmark::DoNotOptimize(h.exchangeDevice(f.devices[odd]));
  }, [](const T& t, const Fixture& f, bool odd) {
    benchmark::DoNotOptimize(t.exchange_device(f.devices[odd]));
  }, kAll);
  visit("maybeExchangeDevice", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    benchmark::DoNotOptimize(h.maybeExchangeDevice(f.devices[odd]));
  }, [](const T& t, const Fixture& f, bool odd) {
    benchmark::DoNotOptimize(t.maybe_exchange_device(f.devices[odd]));
  }, kAll);
  visit("hasPrimaryContext", [](const MTIAHooksInterface& h, const Fixture& f, bool) {
    benchmark::DoNotOptimize(h.hasPrimaryContext(f.devices[0]));
  }, [](const T& t, const Fixture& f, bool) {
    benchmark::DoNotOptimize(t.has_primary_context(f.devices[0]));
  }, kAll);
  visit("getCurrentStream", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getCurrentStream(-1));
  }, [](const T& t, const Fixture&, bool) {
    benchmark::DoNotOptimize(t.get_current_stream(-1));
  }, kAllAndFloor);
  visit("getCurrentRawStream", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getCurrentRawStream(-1));
  }, [](const T& t, const Fixture&, bool) {
    benchmark::DoNotOptimize(t.get_current_raw_stream(-1));
  }, kAll);
  visit("getDefaultStream", [](const MTIAHooksInterface& h, const Fixture&, bool) {
    benchmark::DoNotOptimize(h.getDefaultStream(-1));
  }, [](const T& t, const Fixture&, bool) {
    benchmark::DoNotOptimize(t.get_default_stream(-1));
  }, kAll);
  visit("setCurrentStream", [](const MTIAHooksInterface& h, const Fixture& f, bool odd) {
    h.setCurrentStream(f.streams[odd]);
  }, [](const T& t, const Fixture& f, bool odd) {
    benchmark::DoNotOptimize(t.set_current_stream(f.abi_streams[odd]));
  }, kAll);
}

std::string rowName(Subject subject, const char* hook) {
  return std::string(subjectName(subject)) + "/" + hook;
}

// Runs `loop(body)` with `body(odd)` one call of the row's subject, after
// one warm-up call (a thread's first call may set up its state). The hooks
// object, or the table, is hidden from the optimiser, so each call is a
// real virtual (or indirect) call.
template <class Call, class Direct, class Loop>
void withRowBody(Subject subject, const Fixture& f, Call call, Direct direct, Loop loop) {
  if (subject == Subject::Direct) {
    const mtia_plugin_api_t* table = f.table;
    benchmark::DoNotOptimize(table);
    const auto body = [table, &f, direct](bool odd) { direct(*table, f, odd); };
    body(false);
    loop(body);
  } else {
    const MTIAHooksInterface* hooks = f.hooks;
    benchmark::DoNotOptimize(hooks);
    const auto body = [hooks, &f, call](bool odd) { call(*hooks, f, odd); };
    body(false);
    loop(body);
  }
}

const bool registered = [] {
  forEachHotHook([](const char* hook, auto call, auto direct, const std::vector<Subject>& subjects) {
    for (const Subject subject : subjects) {
      const auto run = [subject, call, direct](benchmark::State& state) {
        runGuarded(state, [&] {
          withRowBody(subject, fixture(subject), call, direct, [&](auto body) {
            bool odd = false;
            const uint64_t before = threadAllocations();
            for (auto _ : state) {
              body(odd);
              odd = !odd;
            }
            failIfAllocated(state, before, "the hook");
          });
        });
      };
      auto* row = benchmark::RegisterBenchmark(rowName(subject, hook).c_str(), run)->Threads(1);
      // The two-thread check is the host's (Host) and the baselines'.
      if (subject != Subject::Sample && subject != Subject::Direct) row->Threads(2);
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
template <class Call, class Direct>
void countRow(const std::string& name, Subject subject, long iterations, Call call, Direct direct) {
  withRowBody(subject, fixture(subject), call, direct, [&](auto body) {
    bool odd = false;
    countLoop(name, iterations, [&](long) {
      body(odd);
      odd = !odd;
    });
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
  countRow("Empty/loop", Subject::Host, iterations,
           [](const MTIAHooksInterface&, const Fixture&, bool odd) { benchmark::DoNotOptimize(odd); },
           [](const mtia_plugin_api_t&, const Fixture&, bool) {});
  forEachHotHook([iterations](const char* hook, auto call, auto direct,
                              const std::vector<Subject>& subjects) {
    for (const Subject subject : subjects) {
      countRow(rowName(subject, hook), subject, iterations, call, direct);
    }
  });
  countMemoryInstructions(iterations / 100);  // about 2,000 instructions a pair
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
