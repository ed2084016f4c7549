// memory.cpp — the memory group's slots (work in progress).
#include "memory.h"

namespace mtia_sample {

bool findDeviceRange(const void* /*ptr*/, size_t /*bytes*/, int32_t* /*device_out*/) noexcept {
  return false;  // no device allocations yet
}

void fillMemorySlots(mtia_plugin_api_t& /*table*/) noexcept {}

}  // namespace mtia_sample
