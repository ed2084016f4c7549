#!/usr/bin/env bash
# Runs each fuzz target for a bounded time: fuzz/run.sh BUILD_DIR [SECONDS] [JOBS]
#   BUILD_DIR  a build configured with CC=clang CXX=clang++ -DMTIA_BUILD_FUZZERS=ON
#              and built with --target mtia_fuzzers
#   SECONDS    per target (default 20); JOBS parallel fuzzing processes (default 1)
# Seeds come from fuzz/corpus/<target>; new inputs go to BUILD_DIR/fuzz/corpus-<target>,
# which later runs reuse. A failure prints the log's tail, leaves the input as
# BUILD_DIR/fuzz/<target>-crash-* (or -leak-, -timeout-, -oom-) and exits 1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "$1" && pwd)"
seconds="${2:-20}"
jobs="${3:-1}"
cd "$build/fuzz"
parallel=()
[ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
for target in manifest plugin_json elf; do
  corpus="corpus-$target"
  mkdir -p "$corpus"
  dict=()
  [ "$target" != elf ] && dict=(-dict="$here/json.dict")
  echo "fuzz_$target: ${seconds}s"
  if ! ./"fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$build/fuzz/$target-" "${parallel[@]}" "${dict[@]}" \
      "$corpus" "$here/corpus/$target" >"fuzz-$target.log" 2>&1; then
    tail -n 40 "fuzz-$target.log" >&2
    echo "fuzz_$target failed; the failing input is $build/fuzz/$target-*" >&2
    exit 1
  fi
  grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)" "fuzz-$target.log" || true
done
