// device.cpp — the device group: devices are the selected platform's OpenCL
// devices, described by clGetDeviceInfo; the current device is per thread.
#include "bind.h"

#include <nlohmann/json.hpp>

namespace mtia_ocl {

int32_t resolveDevice(int32_t device) {
  if (device == -1) device = threadState().device;
  runtime().checkDevice(device);
  return device;
}

namespace {

mtia_status_t lazy_init() noexcept {
  return guard([] { runtime(); });
}

bool has_mtia() noexcept { return g_runtime != nullptr; }

int32_t device_count() noexcept {
  return guard_value<int32_t>(-1, [] { return runtime().deviceCount(); });
}

bool is_available() noexcept { return g_device_count.load(std::memory_order_relaxed) > 0; }

mtia_status_t device_synchronize(int32_t device) noexcept {
  return guard([&] { runtime().synchronizeDevice(resolveDevice(device)); });
}

nlohmann::json envValue(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? nlohmann::json(value) : nlohmann::json(nullptr);
}

mtia_status_t show_config(const mtia_sink_t* out) noexcept {
  return guard([&] {
    Runtime& rt = runtime();
    const Platform& p = rt.platform();
    nlohmann::json devices = nlohmann::json::array();
    for (int32_t d = 0; d < rt.deviceCount(); ++d) devices.push_back(rt.device(d).info.name);
    nlohmann::json config = {
        {"plugin", kPluginName},
        {"version", kPluginVersion},
        {"abi_version", std::to_string(MTIA_PLUGIN_ABI_MAJOR) + "." +
                            std::to_string(MTIA_PLUGIN_ABI_MINOR)},
        {"device_count", rt.deviceCount()},
        {"max_streams_per_device", kMaxStreamsPerDevice},
        {"memory_model", "cl_mem buffers behind reserved device addresses"},
        {"platform",
         {{"index", p.index}, {"name", p.name}, {"vendor", p.vendor}, {"version", p.version}}},
        {"devices", devices},
        {"environment",
         {{"MTIA_OPENCL_PLATFORM", envValue("MTIA_OPENCL_PLATFORM")},
          {"MTIA_OPENCL_DEVICE_TYPE", rt.config().device_type}}},
    };
    if (!p.note.empty()) config["note"] = p.note;
    write_to(out, config.dump());
  });
}

mtia_status_t get_device_capability(int32_t device, const mtia_sink_t* out) noexcept {
  return guard([&] {
    const DeviceInfo& info = runtime().device(resolveDevice(device)).info;
    write_to(out, nlohmann::json{{"major", info.cl_major}, {"minor", info.cl_minor}}.dump());
  });
}

mtia_status_t get_device_properties(int32_t device, const mtia_sink_t* out) noexcept {
  return guard([&] {
    const int32_t d = resolveDevice(device);
    const DeviceInfo& info = runtime().device(d).info;
    const nlohmann::json props = {
        {"name", info.name},
        {"index", d},
        {"total_memory", info.global_mem_bytes},
        {"major", info.cl_major},
        {"minor", info.cl_minor},
        {"multi_processor_count", info.compute_units},
        {"max_streams", kMaxStreamsPerDevice},
        {"vendor", info.vendor},
        {"device_type", info.type},
        {"opencl_version", info.version},
        {"driver_version", info.driver_version},
        {"max_alloc_bytes", info.max_alloc_bytes},
        {"max_clock_mhz", info.max_clock_mhz},
        {"timer_resolution_ns", info.timer_resolution_ns},
        {"simulated", false},
    };
    write_to(out, props.dump());
  });
}

int32_t has_primary_context(int32_t device) noexcept {
  return guard_value<int32_t>(-1, [&] {
    runtime().checkDevice(device);
    return runtime().device(device).has_context.load(std::memory_order_relaxed) ? 1 : 0;
  });
}

// Makes `device` current for the calling thread; returns the previous one.
int32_t makeCurrent(int32_t device, bool create_context) {
  runtime().checkDevice(device);
  if (create_context) {
    std::atomic<bool>& created = g_runtime->device(device).has_context;
    if (!created.load(std::memory_order_relaxed)) created.store(true, std::memory_order_relaxed);
  }
  ThreadState& state = threadState();
  const int32_t previous = state.device;
  state.device = device;
  return previous;
}

mtia_status_t set_current_device(int32_t device) noexcept {
  return guard([&] { makeCurrent(device, true); });
}

int32_t get_current_device() noexcept {
  if (__builtin_expect(g_runtime != nullptr, 1)) return threadState().device;
  return guard_value<int32_t>(-1, [] {
    runtime();
    return 0;
  });
}

int32_t exchange_device(int32_t device) noexcept {
  return guard_value<int32_t>(-1, [&] { return makeCurrent(device, true); });
}

int32_t maybe_exchange_device(int32_t device) noexcept {
  return guard_value<int32_t>(-1, [&] { return makeCurrent(device, false); });
}

}  // namespace

void fillDeviceSlots(mtia_plugin_api_t& t) noexcept {
  t.lazy_init = &lazy_init;
  t.has_mtia = &has_mtia;
  t.device_count = &device_count;
  t.device_synchronize = &device_synchronize;
  t.show_config = &show_config;
  t.has_primary_context = &has_primary_context;
  t.set_current_device = &set_current_device;
  t.get_current_device = &get_current_device;
  t.exchange_device = &exchange_device;
  t.maybe_exchange_device = &maybe_exchange_device;
  t.is_available = &is_available;
  t.get_device_capability = &get_device_capability;
  t.get_device_properties = &get_device_properties;
}

}  // namespace mtia_ocl
