// device.cpp — the device group: lifecycle queries, the calling thread's
// current device, and the JSON descriptions (configuration, capability,
// properties). The current-device slots are hot: the driver answers them from
// one thread-local read, without allocating, locking or logging.
#include "binding.h"

#include <nlohmann/json.hpp>

namespace sample {

namespace {

using nlohmann::json;

constexpr int32_t kCapabilityMajor = 1;  // every simulated device is the same part
constexpr int32_t kCapabilityMinor = 0;

// initialize() did the work; this fails after shutdown.
mtia_status_t lazy_init() noexcept { return slot([] { sim::config(); }); }
bool has_mtia() noexcept { return sim::initialized(); }
bool is_available() noexcept { return sim::initialized() && sim::config().device_count > 0; }
int32_t device_count() noexcept { return value(-1, [] { return sim::config().device_count; }); }

mtia_status_t device_synchronize(int32_t device) noexcept {
  return slot([&] { sim::synchronizeDevice(resolve(device)); });
}

int32_t has_primary_context(int32_t device) noexcept {
  return value(-1, [&] { return sim::hasContext(device) ? 1 : 0; });
}

// Hot. Reading the thread's state cannot fail, so no guard is needed.
int32_t get_current_device() noexcept { return sim::thread().device; }

mtia_status_t set_current_device(int32_t device) noexcept {
  return slot([&] { sim::exchangeDevice(device); });
}

int32_t exchange_device(int32_t device) noexcept {
  return value(-1, [&] { return sim::exchangeDevice(device); });
}

// A device not yet used may stay without a context (maybeExchangeDevice).
int32_t maybe_exchange_device(int32_t device) noexcept {
  return value(-1, [&] { return sim::exchangeDevice(device, false); });
}

mtia_status_t show_config(const mtia_sink_t* out) noexcept {
  return slot([&] {
    const sim::Config& c = sim::config();
    write_to(out, json{{"plugin", kPluginName}, {"version", kPluginVersion},
                       {"abi_version", str(MTIA_PLUGIN_ABI_MAJOR, ".", MTIA_PLUGIN_ABI_MINOR)},
                       {"device_count", c.device_count}, {"max_streams_per_device", sim::kMaxStreams},
                       {"environment", {{"MTIA_SAMPLE_DEVICE_COUNT", c.device_count},
                                        {"MTIA_SAMPLE_DEVICE_MEMORY", c.device_memory}}}}
                      .dump());
  });
}

mtia_status_t get_device_capability(int32_t device, const mtia_sink_t* out) noexcept {
  return slot([&] {
    resolve(device);
    write_to(out, json{{"major", kCapabilityMajor}, {"minor", kCapabilityMinor}}.dump());
  });
}

mtia_status_t get_device_properties(int32_t device, const mtia_sink_t* out) noexcept {
  return slot([&] {
    const int32_t d = resolve(device);
    write_to(out, json{{"name", str("MTIA Sample Device ", d)}, {"index", d},
                       {"total_memory", sim::config().device_memory}, {"major", kCapabilityMajor},
                       {"minor", kCapabilityMinor}, {"multi_processor_count", 64},
                       {"max_streams", sim::kMaxStreams}, {"simulated", true}}
                      .dump());
  });
}

}  // namespace

void addDeviceSlots(mtia_plugin_api_t& t) noexcept {
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

}  // namespace sample
