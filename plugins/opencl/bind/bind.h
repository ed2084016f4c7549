// bind.h — the binding layer: each file in bind/ maps one group of the ABI
// (plugin_abi.h) onto the OpenCL runtime in runtime/. Every slot is noexcept
// and turns any failure into a status plus a message (mtia::plugin::guard).
#pragma once

#include "../runtime/runtime.h"

namespace mtia_ocl {

using mtia::plugin::guard;
using mtia::plugin::guard_value;
using mtia::plugin::write_to;

// Resolves -1 to the calling thread's current device; Failure when invalid.
int32_t resolveDevice(int32_t device);
// The calling thread's current stream on `device` (already valid).
Queue& currentStream(int32_t device);

void fillDeviceSlots(mtia_plugin_api_t& table) noexcept;   // device.cpp
void fillStreamSlots(mtia_plugin_api_t& table) noexcept;   // streams.cpp
void fillMemorySlots(mtia_plugin_api_t& table) noexcept;   // memory.cpp
void fillGraphSlots(mtia_plugin_api_t& table) noexcept;    // graph.cpp
const mtia_streams_ext_v1_t* streamsExtension() noexcept;  // streams.cpp
const mtia_exec_ext_v1_t* execExtension() noexcept;        // exec.cpp
const mtia_events_ext_v1_t* eventsExtension() noexcept;    // events.cpp

// Shutdown helpers of groups that keep state beyond the runtime.
void clearOomObservers() noexcept;  // memory.cpp
void clearEvents() noexcept;        // events.cpp
void clearGraphs() noexcept;        // graph.cpp

}  // namespace mtia_ocl
