// bench_graph.cpp — stream work and MTIA graphs through the host:
//   Exec/enqueue_memset        submitting one small memset to a stream
//   Graph/submit_100_ops       100 small memsets submitted one by one, then
//                              synchronize (waits for them to run)
//   Graph/replay_100_ops       the same 100 memsets captured once, replayed,
//                              then synchronize
// All three are wall-clock time: the work runs on the stream's worker, and a
// submission may wait for the queue's lock while the worker holds it.
// Target: replay at least 3x faster than resubmitting.
#include "bench_support.h"

#include <mtia/exec.h>
#include <mtia/graph.h>
#include <mtia/guards.h>

#include <benchmark/benchmark.h>

#include <cstdint>

namespace mtia_bench {

namespace {

constexpr int kOps = 100;
constexpr size_t kOpBytes = 64;

// A stream and 100 small device buffers, made once per process: the global
// plugin is never unloaded, so they are deliberately never freed either.
struct Work {
  const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
  mtia::StreamExec exec{hooks};
  mtia::Stream stream = hooks.createStream(0);
  uint8_t* buffer = static_cast<uint8_t*>(hooks.deviceAlloc(0, kOps * kOpBytes));

  // The 100 small ops: each sets its own 64-byte slot.
  void submitOps() const {
    for (int i = 0; i < kOps; ++i) {
      exec.memset(stream, buffer + static_cast<size_t>(i) * kOpBytes, i, kOpBytes);
    }
  }
};

const Work& work() {
  static const Work* w = new Work;
  return *w;
}

void enqueueMemset(benchmark::State& state) {
  runGuarded(state, [&] {
    const Work& w = work();
    int64_t queued = 0;
    for (auto _ : state) {
      w.exec.memset(w.stream, w.buffer, 1, kOpBytes);
      if (++queued % 1024 == 0) {  // keep the queue short, outside the timing
        state.PauseTiming();
        w.exec.synchronize(w.stream);
        state.ResumeTiming();
      }
    }
    w.exec.synchronize(w.stream);
  });
}

void submitOneByOne(benchmark::State& state) {
  runGuarded(state, [&] {
    const Work& w = work();
    for (auto _ : state) {
      w.submitOps();
      w.exec.synchronize(w.stream);
    }
    state.SetItemsProcessed(state.iterations() * kOps);
  });
}

void replayGraph(benchmark::State& state) {
  runGuarded(state, [&] {
    const Work& w = work();
    mtia::StreamGuard on_stream(w.stream, w.hooks);
    mtia::MTIAGraph graph(false, w.hooks);
    graph.capture_begin();
    w.submitOps();
    graph.capture_end();
    for (auto _ : state) {
      graph.replay();
      w.exec.synchronize(w.stream);
    }
    state.SetItemsProcessed(state.iterations() * kOps);
  });
}

const bool registered = [] {
  benchmark::RegisterBenchmark("Exec/enqueue_memset", enqueueMemset)->UseRealTime();
  benchmark::RegisterBenchmark("Graph/submit_100_ops", submitOneByOne)->UseRealTime();
  benchmark::RegisterBenchmark("Graph/replay_100_ops", replayGraph)->UseRealTime();
  return true;
}();

}  // namespace

}  // namespace mtia_bench
