// in_process_hooks.h — the baseline: MTIA hooks implemented in C++ inside the
// process, the way an in-tree backend would provide them.
//
// Same semantics as the sample plugin's hot hooks: a per-thread current device
// and a per-thread current stream per device, device indices range-checked,
// -1 meaning the current device where the hook accepts it, a context created
// by setCurrentDevice/exchangeDevice, streams created by createStream.
// Defined in its own translation unit and reached only through an
// MTIAHooksInterface pointer, so every call is a real virtual call.
#pragma once

#include <mtia/hooks.h>

#include <cstdint>
#include <memory>

namespace mtia_bench {

std::unique_ptr<mtia::MTIAHooksInterface> makeInProcessHooks(int32_t device_count);

}  // namespace mtia_bench
