#!/usr/bin/env bash
# abi/check.sh — the binary ABI check (libabigail's abidw/abidiff, Debian
# package abigail-tools; binutils' nm and objdump). Four baselines are
# committed next to this script:
#   plugin_abi.abi  the C plugin ABI: every struct of mtia/plugin_abi.h, as
#                   seen through layout.c (a tiny shared object built from it);
#   host.symbols    every symbol libmtia_host.so exports, demangled: the
#                   mtia:: API the headers mark MTIA_HOST_API (mtia/export.h);
#   host.inline     the library symbols the headers' inline functions bind in
#                   every application (abi/inline_use.cpp, linked against the
#                   library), e.g. what the inline getMTIAHooks() loads;
#   hooks.vtable    the vtable of mtia::MTIAHooksInterface (and its base) in
#                   slot order, read from the relocations of abi/vtable.cpp's
#                   object: applications call and derive through these slots.
# The check rebuilds all four from the working tree (Debug, -g, its own build
# folder). The C layout is compared with abidiff and any change fails: a
# compatible one (a slot appended for a new minor) too, until the baseline is
# updated with it, so the update is the reviewed record of the change
# (libabigail 2.2's "has_data_member_inserted_at = end" suppression also hid
# reordered members, so appends are not waived). The vtable fails on any
# change (a virtual reordered, inserted, removed or re-typed moves or changes
# a slot). The host check fails when an exported symbol disappears or changes
# signature, when the library exports anything outside mtia:: (fmt, spdlog,
# nlohmann, std instantiations), or when the inline API binds a symbol the
# library does not export (the link of inline_use.cpp fails); additions are
# noted. A full abidw of libmtia_host.so was tried and dropped: a baseline that
# changes with every inlining decision; the C++ class layouts it would add are
# not the plugin contract.
#
#   abi/check.sh            check; exit 1 on an ABI change
#   abi/check.sh --update   rewrite the baselines (commit them with the change)
#   abi/check.sh --layout-only [--header-dir DIR]
#                           check only the C layout, built from DIR/mtia/plugin_abi.h
#   abi/check.sh --vtable-only [--host-include-dir DIR]
#                           check only the vtable, built from DIR/mtia/hooks.h
#                           (both used by abi/selftest.sh, which proves the
#                           check catches a break)
# BUILD_DIR (default build-abi-check) is where the host library is built.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mode=check
only=all
header_dir="$root/plugin_abi/include"
host_include_dir="$root/host/include"
while [ $# -gt 0 ]; do
  case "$1" in
    --update) mode=update ;;
    --layout-only) only=layout ;;
    --vtable-only) only=vtable ;;
    --header-dir) header_dir="$2"; shift ;;
    --host-include-dir) host_include_dir="$2"; shift ;;
    *) echo "usage: abi/check.sh [--update] [--layout-only [--header-dir DIR]]" \
            "[--vtable-only [--host-include-dir DIR]]" >&2; exit 2 ;;
  esac
  shift
done
for tool in abidw abidiff nm objdump c++filt; do
  command -v "$tool" >/dev/null || { echo "abi/check.sh: $tool not found (apt-get install abigail-tools)" >&2; exit 2; }
done
build="${BUILD_DIR:-$root/build-abi-check}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
abidw_opts=(--no-show-locs --no-corpus-path --no-comp-dir-path)

does() { [ "$only" = all ] || [ "$only" = "$1" ]; }  # does <part>: this run checks it
host_cxx=(c++ -std=c++17 -g -O0 -I"$host_include_dir" -I"$root/plugin_abi/include")

# The C layout: layout.c against the header.
if does layout; then
  cc -g -O0 -std=c11 -shared -fPIC -I"$header_dir" abi/layout.c -o "$work/libmtia_abi_layout.so"
  abidw "${abidw_opts[@]}" "$work/libmtia_abi_layout.so" >"$work/plugin_abi.abi"
fi

# The vtable: each mtia:: vtable vtable.cpp's object defines, one line per
# entry, "<byte offset, hex> <what the slot points at>" (demangled, with signature).
if does vtable; then
  "${host_cxx[@]}" -fPIC -c abi/vtable.cpp -o "$work/vtable.o"
  objdump -h "$work/vtable.o" | grep -oE '\.data\.rel\.ro\._ZTVN4mtia[A-Za-z0-9_]+' | LC_ALL=C sort -u |
    while read -r section; do
      echo "${section#.data.rel.ro.}" | sed 's/^/vtable: /' | c++filt
      objdump -r -j "$section" "$work/vtable.o" | awk '$2 ~ /^R_/ { o = $1; sub(/^0+/, "", o); print "0x" (o == "" ? "0" : o), $3 }' |
        c++filt
    done >"$work/hooks.vtable"
fi

# The host: what libmtia_host.so exports, and what the inline API binds.
if does host; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DMTIA_BUILD_TESTS=OFF -DMTIA_BUILD_TOOLS=OFF \
    -DMTIA_BUILD_EXAMPLES=OFF -DMTIA_BUILD_BENCH=OFF -DMTIA_BUILD_SAMPLE_PLUGIN=OFF \
    -DMTIA_INSTALL=OFF >/dev/null
  cmake --build "$build" -j2 --target mtia_host >/dev/null
  lib="$build/host/libmtia_host.so"
  nm -D --defined-only -C "$lib" | sed -E 's/^[0-9a-f]+ [A-Za-z] //' | LC_ALL=C sort -u >"$work/host.symbols"
  if ! "${host_cxx[@]}" abi/inline_use.cpp -L"$(dirname "$lib")" -lmtia_host \
      -o "$work/inline_use" >"$work/inline_use.log" 2>&1; then
    echo "abi/check.sh: host: the inline API binds symbols libmtia_host.so does not export" \
         "(mark them MTIA_HOST_API, mtia/export.h):"
    grep -E 'undefined reference' "$work/inline_use.log" | sed 's/^/  /' || cat "$work/inline_use.log"
    exit 1
  fi
  # What the executable binds at run time (its dynamic relocations: calls, and
  # copy relocations of data such as g_published_hooks) that the library defines.
  objdump -R "$work/inline_use" | awk '$2 ~ /^R_/ { print $3 }' | sed -E 's/@.*//; s/\+0x.*//' |
    c++filt | LC_ALL=C sort -u |
    LC_ALL=C comm -12 - "$work/host.symbols" >"$work/host.inline"
fi

baselines=()
does layout && baselines+=(plugin_abi.abi)
does vtable && baselines+=(hooks.vtable)
does host && baselines+=(host.symbols host.inline)
if [ "$mode" = update ]; then
  for file in "${baselines[@]}"; do cp "$work/$file" "abi/$file"; done
  echo "abi/check.sh: baselines updated; commit $(printf 'abi/%s ' "${baselines[@]}")with the change that needed them"
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
does layout && compare plugin_abi
if does vtable; then
  if diff -u abi/hooks.vtable "$work/hooks.vtable" >"$work/hooks.vtable.diff"; then
    echo "abi/check.sh: hooks vtable: no change of the slots"
  else
    echo "abi/check.sh: hooks vtable CHANGED against the baseline abi/hooks.vtable" \
         "(a virtual reordered, inserted, removed or re-typed; applications built against" \
         "the baseline call the wrong slot):"
    tail -n +3 "$work/hooks.vtable.diff" | grep -E '^[-+]' | sed 's/^/  /'
    failed=1
  fi
fi
if does host; then
  outside="$(grep -vE '^((typeinfo|typeinfo name|vtable|non-virtual thunk to) for |non-virtual thunk to )?mtia::' \
    "$work/host.symbols" || true)"
  if [ -n "$outside" ]; then
    echo "abi/check.sh: host: libmtia_host.so exports symbols outside mtia:: (hide them:" \
         "host/libmtia_host.map, mtia/export.h):"
    echo "$outside" | sed 's/^/  ! /'
    failed=1
  fi
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
  if ! diff -u abi/host.inline "$work/host.inline" >"$work/host.inline.diff"; then
    echo "abi/check.sh: host: the inline API now binds a different set (run abi/check.sh --update" \
         "to record it; every symbol it binds is exported, and a symbol no longer bound stays" \
         "in abi/host.symbols for applications built before):"
    tail -n +3 "$work/host.inline.diff" | grep -E '^[-+]' | sed 's/^/  /'
  fi
fi
if [ "$failed" -ne 0 ]; then
  cat <<'EOF'

An ABI 1.x change must keep every existing field, its order and its type;
new slots are appended at the end of a struct, marked with the new minor
(docs/abi.md, "Growth rules"); the virtuals of MTIAHooksInterface keep their
order and signatures (abi/hooks.vtable). If the change is intended and compatible (a
slot appended for a new minor, a new host function), update the baselines
and commit them with the change:
    abi/check.sh --update
EOF
  exit 1
fi
