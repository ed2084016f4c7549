#!/usr/bin/env bash
# Installs the Debian packages mtia-plugin-host needs, if any are missing.
# Idempotent and quiet when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  nlohmann-json3-dev catch2 libspdlog-dev libfmt-dev libbenchmark-dev
  python3  # bench/run's table (bench/report.py)
  abigail-tools  # abi/check.sh: abidw, abidiff
  clang libclang-rt-dev  # fuzz/: libFuzzer targets (.ci/run's bounded fuzzing step)
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo  # plugins/opencl/ and its CPU device (POCL)
  valgrind  # bench/callgrind.sh: instruction counts of the hot rows (<valgrind/callgrind.h>)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
