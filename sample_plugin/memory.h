// memory.h — the sample plugin's memory group: simulated device memory served
// by a caching allocator per device, pinned host memory and OOM observers.
// docs/memory.md describes the design.
//
// Device memory is simulated with host memory: a pointer returned by the
// device_alloc slot is a real, dereferenceable host address inside the
// simulated device's backing store.
#pragma once

#include <mtia/plugin_abi.h>

#include <cstddef>
#include <cstdint>

namespace mtia_sample {

// True iff [ptr, ptr + bytes) lies inside one live device allocation
// (interior pointers allowed; bytes == 0 asks about ptr alone). On success
// *device_out (when not NULL) is the allocation's device. Any thread.
bool findDeviceRange(const void* ptr, size_t bytes, int32_t* device_out) noexcept;

// Puts the memory group's slots into the plugin's table.
void fillMemorySlots(mtia_plugin_api_t& table) noexcept;

// Each device's capacity from MTIA_SAMPLE_DEVICE_MEMORY (default 1 GiB):
// bytes, or a number with a KiB, MiB or GiB suffix; a multiple of 2 MiB from
// 2 MiB to 1024 GiB. Throws Failure(INVALID_ARGUMENT) naming the bad value.
uint64_t readDeviceMemoryConfig();

}  // namespace mtia_sample
