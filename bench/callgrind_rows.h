// callgrind_rows.h — one row of the callgrind mode (mtia_bench
// --mtia_count_instructions=N, bench/callgrind.sh): `iterations` runs of
// `body(i)` with callgrind's instrumentation on only around the loop, then a
// dump named "<row>@<iterations>" (bench/report.py divides by it). A no-op
// in a build without <valgrind/callgrind.h>.
#pragma once

#include <string>

#ifdef MTIA_BENCH_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#endif

namespace mtia_bench {

template <class Body>
void countLoop(const std::string& row, long iterations, Body body) {
#ifdef MTIA_BENCH_HAVE_CALLGRIND
  const std::string name = row + "@" + std::to_string(iterations);
  CALLGRIND_ZERO_STATS;
  CALLGRIND_START_INSTRUMENTATION;
  for (long i = 0; i < iterations; ++i) body(i);
  CALLGRIND_STOP_INSTRUMENTATION;
  CALLGRIND_DUMP_STATS_AT(name.c_str());
#else
  (void)row, (void)iterations, (void)body;
#endif
}

// The JSON hooks' rows (bench_json.cpp), `iterations` calls each.
void countJsonInstructions(long iterations);
// The memory rows Memory/{host,direct}_alloc_free/<bytes> (bench_memory.cpp),
// `iterations` pairs each.
void countMemoryInstructions(long iterations);

}  // namespace mtia_bench
