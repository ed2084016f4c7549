#!/usr/bin/env bash
# abi/selftest.sh — proves that abi/check.sh catches incompatible changes:
#   1. the C layout, built from a copy of mtia/plugin_abi.h whose
#      graph_instantiate and graph_replay slots are swapped (same type, same
#      size: the compiler and the header's static_asserts see nothing);
#   2. the MTIAHooksInterface vtable, from a copy of mtia/hooks.h whose
#      mtiagraphInstantiate and mtiagraphReplay virtuals are swapped;
#   3. the same vtable, from a copy with one virtual inserted after hasMTIA.
# Each must fail, and the report must name what moved.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# expect_rejected <what> <check.sh options> -- <text the report must contain>...
expect_rejected() {
  local what="$1"; shift
  local options=()
  while [ "$1" != -- ]; do options+=("$1"); shift; done
  shift
  if "$root/abi/check.sh" "${options[@]}" >"$work/out" 2>&1; then
    echo "abi/selftest.sh: FAIL: abi/check.sh accepted $what"; cat "$work/out"; exit 1
  fi
  for expected in "$@" "abi/check.sh --update"; do
    grep -qF -- "$expected" "$work/out" || {
      echo "abi/selftest.sh: FAIL: the report on $what lacks \"$expected\""; cat "$work/out"; exit 1; }
  done
  echo "abi/selftest.sh: PASS: abi/check.sh rejects $what"
}

# host_headers <name>: a copy of host/include in $work/<name>; prints its path.
host_headers() {
  mkdir -p "$work/$1"
  cp -R "$root/host/include/mtia" "$work/$1/"
  echo "$work/$1"
}

mkdir -p "$work/c/mtia"
sed -e 's/(\*graph_instantiate)(/(*SWAP_A)(/' -e 's/(\*graph_replay)(/(*graph_instantiate)(/' \
  -e 's/(\*SWAP_A)(/(*graph_replay)(/' \
  "$root/plugin_abi/include/mtia/plugin_abi.h" >"$work/c/mtia/plugin_abi.h"
expect_rejected "reordered C slots" --layout-only --header-dir "$work/c" -- \
  "ABI CHANGED" "graph_instantiate' offset changed" "graph_replay' offset changed"

swapped="$(host_headers swapped)"
sed -e '/virtual void mtiagraphInstantiate(/{h;d}' -e '/virtual void mtiagraphReplay(/G' \
  "$root/host/include/mtia/hooks.h" >"$swapped/mtia/hooks.h"
expect_rejected "swapped virtuals" --vtable-only --host-include-dir "$swapped" -- \
  "hooks vtable CHANGED" "-0x110 mtia::MTIAHooksInterface::mtiagraphInstantiate(long) const" \
  "+0x110 mtia::MTIAHooksInterface::mtiagraphReplay(long) const"

inserted="$(host_headers inserted)"
sed -e '/virtual bool hasMTIA() const/a\  virtual void insertedHook() const {}' \
  "$root/host/include/mtia/hooks.h" >"$inserted/mtia/hooks.h"
expect_rejected "an inserted virtual" --vtable-only --host-include-dir "$inserted" -- \
  "hooks vtable CHANGED" "+0x78 mtia::MTIAHooksInterface::insertedHook() const" \
  "-0x78 mtia::MTIAHooksInterface::deviceSynchronize(signed char) const"
