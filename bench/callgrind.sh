#!/usr/bin/env bash
# bench/callgrind.sh — instruction counts of the hot-hook, memory and JSON
# rows: runs `mtia_bench --mtia_count_instructions=N` under callgrind with the
# instrumentation on only around each row's loop (one dump per row, named
# after it), then prints instructions per call per row.
#
#   bench/callgrind.sh [--build-dir DIR] [--iterations N] [--out DIR]
#
# --build-dir  a built Release directory (default build/release; bench/run
#              builds it); mtia_bench must have been built with valgrind's
#              <valgrind/callgrind.h> (scripts/install-deps.sh installs it).
# --iterations calls per hot row (default 200000; the memory rows make N/100
#              pairs, the JSON rows N/1000 calls)
# --out        keeps the dumps there (default: a temp dir); bench/report.py
#              --callgrind DIR reads them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$root/build/release"
iterations=200000
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$(realpath -m "$2"); shift 2 ;;
    --iterations) iterations=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/callgrind.sh: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done
command -v valgrind >/dev/null || { echo "bench/callgrind.sh: valgrind not found (scripts/install-deps.sh)" >&2; exit 1; }
if [ -z "$out" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"
rm -f "$out"/callgrind.out*
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/callgrind.out" \
  "$build/bench/mtia_bench" --mtia_count_instructions="$iterations" > "$out/valgrind.log" 2>&1 \
  || { cat "$out/valgrind.log" >&2; exit 1; }
python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import report
for name, (ir, objects) in sorted(report.load_callgrind(sys.argv[2]).items()):
    print(f"{name:32} {ir:6.1f} instructions per call ({report.by_object(objects)})")
' "$root/bench" "$out"
