#include "platform.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstdio>

namespace mtia_ocl {

namespace {

// CL_PLATFORM_NOT_FOUND_KHR (cl_ext.h): the ICD loader found no platform.
constexpr cl_int kPlatformNotFoundKhr = -1001;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string platformString(cl_platform_id p, cl_platform_info what) {
  size_t size = 0;
  clCheck(clGetPlatformInfo(p, what, 0, nullptr, &size), "clGetPlatformInfo");
  std::string s(size, '\0');
  clCheck(clGetPlatformInfo(p, what, size, s.data(), nullptr), "clGetPlatformInfo");
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

std::string deviceString(cl_device_id d, cl_device_info what) {
  size_t size = 0;
  clCheck(clGetDeviceInfo(d, what, 0, nullptr, &size), "clGetDeviceInfo");
  std::string s(size, '\0');
  clCheck(clGetDeviceInfo(d, what, size, s.data(), nullptr), "clGetDeviceInfo");
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

template <class T>
T deviceValue(cl_device_id d, cl_device_info what) {
  T value{};
  clCheck(clGetDeviceInfo(d, what, sizeof(T), &value, nullptr), "clGetDeviceInfo");
  return value;
}

std::string typeName(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU) return "gpu";
  if (t & CL_DEVICE_TYPE_CPU) return "cpu";
  if (t & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
  return "other";
}

DeviceInfo describe(cl_device_id d) {
  DeviceInfo info;
  info.id = d;
  info.name = deviceString(d, CL_DEVICE_NAME);
  info.vendor = deviceString(d, CL_DEVICE_VENDOR);
  info.version = deviceString(d, CL_DEVICE_VERSION);
  info.driver_version = deviceString(d, CL_DRIVER_VERSION);
  info.type = typeName(deviceValue<cl_device_type>(d, CL_DEVICE_TYPE));
  int major = 1, minor = 2;
  if (std::sscanf(info.version.c_str(), "OpenCL %d.%d", &major, &minor) == 2) {
    info.cl_major = major;
    info.cl_minor = minor;
  }
  info.global_mem_bytes = deviceValue<cl_ulong>(d, CL_DEVICE_GLOBAL_MEM_SIZE);
  info.max_alloc_bytes = deviceValue<cl_ulong>(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
  info.compute_units = deviceValue<cl_uint>(d, CL_DEVICE_MAX_COMPUTE_UNITS);
  info.max_clock_mhz = deviceValue<cl_uint>(d, CL_DEVICE_MAX_CLOCK_FREQUENCY);
  info.timer_resolution_ns = deviceValue<size_t>(d, CL_DEVICE_PROFILING_TIMER_RESOLUTION);
  return info;
}

std::vector<cl_platform_id> platforms() {
  cl_uint count = 0;
  const cl_int rc = clGetPlatformIDs(0, nullptr, &count);
  if (rc == kPlatformNotFoundKhr || count == 0) return {};
  clCheck(rc, "clGetPlatformIDs");
  std::vector<cl_platform_id> ids(count);
  clCheck(clGetPlatformIDs(count, ids.data(), nullptr), "clGetPlatformIDs");
  return ids;
}

std::vector<cl_device_id> devicesOf(cl_platform_id p, cl_device_type type) {
  cl_uint count = 0;
  const cl_int rc = clGetDeviceIDs(p, type, 0, nullptr, &count);
  if (rc == CL_DEVICE_NOT_FOUND || count == 0) return {};
  clCheck(rc, "clGetDeviceIDs");
  std::vector<cl_device_id> ids(count);
  clCheck(clGetDeviceIDs(p, type, count, ids.data(), nullptr), "clGetDeviceIDs");
  return ids;
}

// True when `spec` (an index or a name substring) selects platform i.
bool matches(const std::string& spec, size_t i, const std::string& name) {
  char* end = nullptr;
  const unsigned long index = std::strtoul(spec.c_str(), &end, 10);
  if (!spec.empty() && *end == '\0') return index == i;
  return lower(name).find(lower(spec)) != std::string::npos;
}

}  // namespace

Config readConfig() {
  Config config;
  if (const char* p = std::getenv("MTIA_OPENCL_PLATFORM"); p != nullptr && *p != '\0') {
    config.platform = p;
  }
  if (const char* t = std::getenv("MTIA_OPENCL_DEVICE_TYPE"); t != nullptr && *t != '\0') {
    const std::string type = lower(t);
    if (type == "all") config.device_type_bits = CL_DEVICE_TYPE_ALL;
    else if (type == "gpu") config.device_type_bits = CL_DEVICE_TYPE_GPU;
    else if (type == "cpu") config.device_type_bits = CL_DEVICE_TYPE_CPU;
    else if (type == "accelerator") config.device_type_bits = CL_DEVICE_TYPE_ACCELERATOR;
    else if (type == "default") config.device_type_bits = CL_DEVICE_TYPE_DEFAULT;
    else {
      throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                    std::string("MTIA_OPENCL_DEVICE_TYPE='") + t +
                        "' is not one of all, gpu, cpu, accelerator, default");
    }
    config.device_type = type;
  }
  return config;
}

Platform selectPlatform(const Config& config) {
  const std::vector<cl_platform_id> ids = platforms();
  Platform chosen;
  std::string seen;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string name = platformString(ids[i], CL_PLATFORM_NAME);
    seen += (seen.empty() ? "" : ", ") + std::to_string(i) + ": '" + name + "'";
    if (chosen.id != nullptr) continue;
    if (config.platform && !matches(*config.platform, i, name)) continue;
    const std::vector<cl_device_id> devices = devicesOf(ids[i], config.device_type_bits);
    if (devices.empty() && !config.platform) continue;  // try the next platform
    chosen.id = ids[i];
    chosen.index = static_cast<int32_t>(i);
    chosen.name = name;
    chosen.vendor = platformString(ids[i], CL_PLATFORM_VENDOR);
    chosen.version = platformString(ids[i], CL_PLATFORM_VERSION);
    for (cl_device_id d : devices) chosen.devices.push_back(describe(d));
    if (devices.empty()) {
      chosen.note = "platform '" + name + "' has no device of type " + config.device_type;
    }
  }
  if (config.platform && chosen.id == nullptr) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  "MTIA_OPENCL_PLATFORM='" + *config.platform +
                      "' matches no OpenCL platform (there are: " +
                      (seen.empty() ? std::string("none") : seen) + ")");
  }
  if (chosen.id == nullptr) {
    chosen.note = ids.empty() ? "the OpenCL ICD loader found no platform (Debian: install "
                                "pocl-opencl-icd or a GPU vendor's ICD)"
                              : "no OpenCL platform has a device of type " + config.device_type;
  }
  return chosen;
}

}  // namespace mtia_ocl
