#!/usr/bin/env bash
# abi/check.sh — the binary ABI check (libabigail's abidw/abidiff, Debian
# package abigail-tools). Two baselines are committed next to this script:
#   plugin_abi.abi  the C plugin ABI: every struct of mtia/plugin_abi.h, as
#                   seen through layout.c (a tiny shared object built from it);
#   host.symbols    the public C++ symbols libmtia_host.so defines: every
#                   strong mtia:: symbol outside mtia::detail, demangled.
# The check rebuilds both from the working tree (Debug, -g, its own build
# folder). The C layout is compared with abidiff and any change fails: a
# compatible one (a slot appended for a new minor) too, until the baseline is
# updated with it, so the update is the reviewed record of the change
# (libabigail 2.2's "has_data_member_inserted_at = end" suppression also hid
# reordered members, so appends are not waived). The host check fails when a
# public symbol disappears or changes signature and notes additions. A full
# abidw of libmtia_host.so was tried and dropped: it exports ~4600 symbols
# (spdlog, fmt, nlohmann::json and std instantiations), a 6 MB baseline that
# changes with every inlining decision; the C++ class layouts it would add are
# not the plugin contract.
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
  nm -D --defined-only -C "$build/host/libmtia_host.so" | grep -E '^[0-9a-f]+ [TDRB] ' |
    sed -E 's/^[0-9a-f]+ [A-Za-z] //' | grep -E '^mtia::' | grep -v '^mtia::detail::' |
    LC_ALL=C sort -u >"$work/host.symbols"
fi

if [ "$mode" = update ]; then
  cp "$work/plugin_abi.abi" abi/plugin_abi.abi
  $layout_only || cp "$work/host.symbols" abi/host.symbols
  echo "abi/check.sh: baselines updated; commit abi/plugin_abi.abi and abi/host.symbols with the change that needed them"
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
if ! $layout_only; then
  removed="$(LC_ALL=C comm -23 abi/host.symbols "$work/host.symbols")"
  added="$(LC_ALL=C comm -13 abi/host.symbols "$work/host.symbols")"
  if [ -n "$removed" ]; then
    echo "abi/check.sh: host: public symbols REMOVED or changed (callers built against the baseline break):"
    echo "$removed" | sed 's/^/  - /'
    [ -z "$added" ] || echo "$added" | sed 's/^/  + /'
    failed=1
  elif [ -n "$added" ]; then
    echo "abi/check.sh: host: compatible additions (run abi/check.sh --update to record them):"
    echo "$added" | sed 's/^/  + /'
  else
    echo "abi/check.sh: host: no change of the public symbols"
  fi
fi
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
