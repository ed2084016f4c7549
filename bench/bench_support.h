// bench_support.h — what the benchmark sources share.
#pragma once

#include <mtia/hooks.h>

#include <benchmark/benchmark.h>

#include <exception>
#include <string>

namespace mtia_bench {

// The sample plugin as built (MTIA_SAMPLE_PLUGIN_PATH); main() points
// MTIA_PLUGIN_PATH at it before anything calls getMTIAHooks().
inline const std::string kSamplePluginPath = MTIA_SAMPLE_PLUGIN_PATH;

// What a hot-hook benchmark calls: the hooks through the host (the sample
// plugin behind getMTIAHooks()), the in-process baseline, or the floor of any
// C-table design (makeFunctionTableHooks; getCurrentDevice and
// getCurrentStream only). Benchmarks of one hook are named "<Subject>/<hook>";
// bench/run compares Host/ and Floor/ rows with InProcess/.
enum class Subject { Host, InProcess, Floor };
const char* subjectName(Subject subject) noexcept;

struct Fixture {
  const mtia::MTIAHooksInterface* hooks = nullptr;
  mtia::DeviceIndex devices[2] = {0, 1};
  // Device 0's default stream and a stream created on it.
  mtia::Stream streams[2] = {mtia::Stream(0, mtia::Device(mtia::DeviceType::MTIA, 0)),
                             mtia::Stream(0, mtia::Device(mtia::DeviceType::MTIA, 0))};
};

// Set up by main() before any benchmark runs.
const Fixture& fixture(Subject subject) noexcept;

// Runs a benchmark body; an exception fails the benchmark with its message
// instead of terminating the run.
template <class Body>
void runGuarded(benchmark::State& state, Body body) {
  try {
    body();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

}  // namespace mtia_bench
