// backend_library.cpp — the entry point of the in-process baseline built as a
// shared library (bench/CMakeLists.txt builds it twice: with the sample
// plugin's own compile options, TLS model included, and with the default
// -fPIC options). main() dlopens each as the host dlopens a plugin and makes
// its hooks object here; in_process_hooks.cpp is the same source as the
// baseline built into the executable.
#include "in_process_hooks.h"

#include <cstdint>
#include <exception>

extern "C" __attribute__((visibility("default"))) mtia::MTIAHooksInterface* mtia_bench_make_backend(
    int32_t device_count) noexcept {
  try {
    return mtia_bench::makeInProcessHooks(device_count).release();
  } catch (const std::exception&) {
    return nullptr;
  }
}
