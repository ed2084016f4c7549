#!/usr/bin/env bash
# abi/selftest.sh — proves that abi/check.sh catches an incompatible change:
# builds the layout from a copy of mtia/plugin_abi.h whose graph_instantiate
# and graph_replay slots are swapped (same type, same size: the compiler and
# the header's static_asserts see nothing) and expects the check to fail,
# naming both slots.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/mtia"
sed -e 's/(\*graph_instantiate)(/(*SWAP_A)(/' -e 's/(\*graph_replay)(/(*graph_instantiate)(/' \
  -e 's/(\*SWAP_A)(/(*graph_replay)(/' \
  "$root/plugin_abi/include/mtia/plugin_abi.h" >"$work/mtia/plugin_abi.h"
if "$root/abi/check.sh" --layout-only --header-dir "$work" >"$work/out" 2>&1; then
  echo "abi/selftest.sh: FAIL: abi/check.sh accepted swapped slots"; cat "$work/out"; exit 1
fi
for expected in "ABI CHANGED" "graph_instantiate' offset changed" "graph_replay' offset changed" \
  "abi/check.sh --update"; do
  grep -qF "$expected" "$work/out" || {
    echo "abi/selftest.sh: FAIL: the report lacks \"$expected\""; cat "$work/out"; exit 1; }
done
echo "abi/selftest.sh: PASS: abi/check.sh rejects reordered slots"
