#!/usr/bin/env bash
# abi/check.sh — the binary ABI check (libabigail's abidw/abidiff, Debian
# package abigail-tools). Two baselines are committed next to this script:
#   plugin_abi.abi  the C plugin ABI: every struct of mtia/plugin_abi.h, as
#                   seen through layout.c (a tiny shared object built from it);
#   host.abi        libmtia_host.so's exported functions and the types of its
#                   public headers (host/include, plugin_abi/include).
# The check rebuilds both from the working tree (Debug, -g, its own build
# folder) and compares them with abidiff; any change it reports fails. A
# compatible change (a slot appended for a new minor, a new host function)
# fails too until the baselines are updated with it: the update is the
# reviewed record of the change. (libabigail 2.2's "has_data_member_inserted_at
# = end" suppression also hid reordered members, so appends are not waived.)
#
#   abi/check.sh            check; exit 1 on an ABI change
#   abi/check.sh --update   rewrite the baselines (commit them with the change)
#   abi/check.sh --layout-only [--header-dir DIR]
#                           check only the C layout, built from DIR/mtia/plugin_abi.h
#                           (used by the test that proves the check catches a break)
# BUILD_DIR (default build-abi-check) is where the host library is built.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mode=check
layout_only=false
header_dir="$root/plugin_abi/include"
while [ $# -gt 0 ]; do
  case "$1" in
    --update) mode=update ;;
    --layout-only) layout_only=true ;;
    --header-dir) header_dir="$2"; shift ;;
    *) echo "usage: abi/check.sh [--update] [--layout-only [--header-dir DIR]]" >&2; exit 2 ;;
  esac
  shift
done
for tool in abidw abidiff; do
  command -v "$tool" >/dev/null || { echo "abi/check.sh: $tool not found (apt-get install abigail-tools)" >&2; exit 2; }
done
build="${BUILD_DIR:-$root/build-abi-check}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
abidw_opts=(--no-show-locs --no-corpus-path --no-comp-dir-path)

# The C layout: layout.c against the header.
cc -g -O0 -std=c11 -shared -fPIC -I"$header_dir" abi/layout.c -o "$work/libmtia_abi_layout.so"
abidw "${abidw_opts[@]}" "$work/libmtia_abi_layout.so" >"$work/plugin_abi.abi"

if ! $layout_only; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DMTIA_BUILD_TESTS=OFF -DMTIA_BUILD_TOOLS=OFF \
    -DMTIA_BUILD_EXAMPLES=OFF -DMTIA_BUILD_BENCH=OFF -DMTIA_BUILD_SAMPLE_PLUGIN=OFF \
    -DMTIA_INSTALL=OFF >/dev/null
  cmake --build "$build" -j2 --target mtia_host >/dev/null
  abidw "${abidw_opts[@]}" --drop-undefined-syms --headers-dir host/include \
    --headers-dir plugin_abi/include "$build/host/libmtia_host.so" >"$work/host.abi"
fi

if [ "$mode" = update ]; then
  cp "$work/plugin_abi.abi" abi/plugin_abi.abi
  $layout_only || cp "$work/host.abi" abi/host.abi
  echo "abi/check.sh: baselines updated; commit abi/*.abi with the change that needed them"
  exit 0
fi

failed=0
compare() {  # compare <name> <abidiff options...>
  local name="$1"; shift
  if abidiff "$@" "abi/$name.abi" "$work/$name.abi" >"$work/$name.diff"; then
    echo "abi/check.sh: $name: no ABI change"
  else
    echo "abi/check.sh: $name: ABI CHANGED against the baseline abi/$name.abi:"
    cat "$work/$name.diff"
    failed=1
  fi
}
compare plugin_abi
$layout_only || compare host
if [ "$failed" -ne 0 ]; then
  cat <<'EOF'

An ABI 1.x change must keep every existing field, its order and its type;
new slots are appended at the end of a struct, marked with the new minor
(docs/abi.md, "Growth rules"). If the change is intended and compatible (a
slot appended for a new minor, a new host function), update the baselines
and commit them with the change:
    abi/check.sh --update
EOF
  exit 1
fi
