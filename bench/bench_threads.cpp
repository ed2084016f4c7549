// bench_threads.cpp — the positive control of the two-thread check.
//
// bench/report.py judges each hot hook's 2-thread row by its per-thread time
// against the 1-thread row: a shared writable cache line on the hot path would
// make it several times slower. That only proves something if this machine
// shows contention at all (two benchmark threads may share one core of a busy
// VM). Control/shared_cache_line writes one cache line from every thread and
// must be clearly slower per thread at 2 threads than at 1; otherwise the
// check reads "not measurable". Control/own_cache_line writes one line per
// thread: the same work without sharing.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>

namespace mtia_bench {

namespace {

struct alignas(64) Line {
  std::atomic<uint64_t> value{0};
};
Line g_shared;
Line g_own[2];

void writeLoop(benchmark::State& state, Line& line) {
  for (auto _ : state) line.value.fetch_add(1, std::memory_order_relaxed);
}

const bool registered = [] {
  benchmark::RegisterBenchmark("Control/shared_cache_line", [](benchmark::State& state) {
    writeLoop(state, g_shared);
  })->Threads(1)->Threads(2);
  benchmark::RegisterBenchmark("Control/own_cache_line", [](benchmark::State& state) {
    writeLoop(state, g_own[state.thread_index() % 2]);
  })->Threads(1)->Threads(2);
  return true;
}();

}  // namespace

}  // namespace mtia_bench
