// platform.h — choosing an OpenCL platform and its devices from the
// environment, and what clGetDeviceInfo says about each device.
//
//   MTIA_OPENCL_PLATFORM     platform index (0, 1, ...) or a case-insensitive
//                            substring of its name; unset: the first platform
//                            that has a device of the requested type
//   MTIA_OPENCL_DEVICE_TYPE  all (default), gpu, cpu, accelerator or default
#pragma once

#include "cl_check.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mtia_ocl {

struct Config {
  std::optional<std::string> platform;  // MTIA_OPENCL_PLATFORM as given
  std::string device_type = "all";      // MTIA_OPENCL_DEVICE_TYPE
  cl_device_type device_type_bits = CL_DEVICE_TYPE_ALL;
};

// Reads the environment; Failure(INVALID_ARGUMENT) on a bad value.
Config readConfig();

struct DeviceInfo {
  cl_device_id id = nullptr;
  std::string name, vendor, version, driver_version, type;
  int32_t cl_major = 1, cl_minor = 2;  // from CL_DEVICE_VERSION "OpenCL <major>.<minor> ..."
  uint64_t global_mem_bytes = 0;       // CL_DEVICE_GLOBAL_MEM_SIZE
  uint64_t max_alloc_bytes = 0;        // CL_DEVICE_MAX_MEM_ALLOC_SIZE
  uint32_t compute_units = 0;          // CL_DEVICE_MAX_COMPUTE_UNITS
  uint32_t max_clock_mhz = 0;          // CL_DEVICE_MAX_CLOCK_FREQUENCY
  uint64_t timer_resolution_ns = 0;    // CL_DEVICE_PROFILING_TIMER_RESOLUTION
};

struct Platform {
  cl_platform_id id = nullptr;  // nullptr: no platform matched (no devices)
  int32_t index = -1;
  std::string name, vendor, version;
  std::vector<DeviceInfo> devices;
  std::string note;  // why there are no devices, when there are none
};

// The platform the configuration selects. A configured platform that does not
// exist is a Failure listing the platforms there are; finding no device at all
// is not an error (the plugin then has no devices, and `note` says why).
Platform selectPlatform(const Config& config);

}  // namespace mtia_ocl
