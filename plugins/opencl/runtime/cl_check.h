// cl_check.h — OpenCL status codes as plugin failures.
#pragma once

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>

#include <mtia/plugin_support.hpp>

#include <string>

namespace mtia_ocl {

using mtia::plugin::Failure;

// "CL_OUT_OF_RESOURCES" for -5; "OpenCL error -9999" for codes it does not know.
std::string clErrorName(cl_int code);
// The MTIA status an OpenCL error maps to (allocation failures: OUT_OF_MEMORY,
// a lost device: UNAVAILABLE, anything else: INTERNAL).
mtia_status_t statusOf(cl_int code) noexcept;
// Throws Failure("<call> failed: <name> (<code>)") unless code is CL_SUCCESS.
inline void clCheck(cl_int code, const char* call) {
  if (__builtin_expect(code != CL_SUCCESS, 0)) {
    throw Failure(statusOf(code), std::string(call) + " failed: " + clErrorName(code) + " (" +
                                      std::to_string(code) + ")");
  }
}

}  // namespace mtia_ocl
