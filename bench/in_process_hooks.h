// in_process_hooks.h — the baseline: MTIA hooks implemented in C++ inside the
// process, the way an in-tree backend would provide them: the benchmark
// backend's functions (backend.h, the same code as the benchmark plugin's
// slots) behind MTIAHooksInterface, failures thrown as mtia::Error.
// Defined in its own translation unit and reached only through an
// MTIAHooksInterface pointer, so every call is a real virtual call.
#pragma once

#include <mtia/hooks.h>

#include <cstdint>
#include <memory>

namespace mtia_bench {

// Sets up this binary's backend (backend.h) with `device_count` devices.
std::unique_ptr<mtia::MTIAHooksInterface> makeInProcessHooks(int32_t device_count);

// The floor of any design with a C function table: getCurrentDevice and
// getCurrentStream shaped like the host's adapter (a virtual call into a
// function that calls a C function pointer and range-checks the result), with
// the C functions in this executable reading the baseline's thread state. What
// it costs over the baseline is what the second indirect call costs.
std::unique_ptr<mtia::MTIAHooksInterface> makeFunctionTableHooks(int32_t device_count);

}  // namespace mtia_bench
