// device.cpp — the device group: lifecycle queries, the calling thread's current
// device (hot: see below) and the JSON descriptions of configuration and devices.
#include "binding.h"

#include <nlohmann/json.hpp>

namespace sample {

using nlohmann::json;

constexpr int32_t kCapabilityMajor = 1;  // every simulated device is the same part
constexpr int32_t kCapabilityMinor = 0;

void addDeviceSlots(mtia_plugin_api_t& t) noexcept {
  // initialize() did the work; this fails after shutdown.
  t.lazy_init = []() noexcept { return slot([] { sim::config(); }); };
  t.has_mtia = []() noexcept { return sim::initialized(); };
  t.is_available = []() noexcept { return sim::initialized() && sim::config().device_count > 0; };
  t.device_count = []() noexcept { return value(-1, [] { return sim::config().device_count; }); };
  t.device_synchronize = [](int32_t device) noexcept {
    return slot([&] { sim::synchronizeDevice(resolve(device)); });
  };
  t.has_primary_context = [](int32_t device) noexcept {
    return value(-1, [&] { return sim::hasContext(device) ? 1 : 0; });
  };
  // Hot. Reading the thread's state cannot fail, so no guard is needed.
  t.get_current_device = []() noexcept { return sim::thread().device; };
  t.set_current_device = [](int32_t device) noexcept {
    return slot([&] { sim::exchangeDevice(device); });
  };
  t.exchange_device = [](int32_t device) noexcept {
    return value(-1, [&] { return sim::exchangeDevice(device); });
  };
  // A device not yet used may stay without a context (maybeExchangeDevice).
  t.maybe_exchange_device = [](int32_t device) noexcept {
    return value(-1, [&] { return sim::exchangeDevice(device, false); });
  };
  t.show_config = [](const mtia_sink_t* out) noexcept {
    return slot([&] {
      const sim::Config& c = sim::config();
      write_to(out, json{{"plugin", kPluginName}, {"version", kPluginVersion},
                         {"abi_version", str(MTIA_PLUGIN_ABI_MAJOR, ".", MTIA_PLUGIN_ABI_MINOR)},
                         {"device_count", c.device_count}, {"max_streams_per_device", sim::kMaxStreams},
                         {"environment", {{"MTIA_SAMPLE_DEVICE_COUNT", c.device_count},
                                          {"MTIA_SAMPLE_DEVICE_MEMORY", c.device_memory}}}}
                        .dump());
    });
  };
  t.get_device_capability = [](int32_t device, const mtia_sink_t* out) noexcept {
    return slot([&] {
      resolve(device);
      write_to(out, json{{"major", kCapabilityMajor}, {"minor", kCapabilityMinor}}.dump());
    });
  };
  t.get_device_properties = [](int32_t device, const mtia_sink_t* out) noexcept {
    return slot([&] {
      const int32_t d = resolve(device);
      write_to(out, json{{"name", str("MTIA Sample Device ", d)}, {"index", d},
                         {"total_memory", sim::config().device_memory}, {"major", kCapabilityMajor},
                         {"minor", kCapabilityMinor}, {"multi_processor_count", 64},
                         {"max_streams", sim::kMaxStreams}, {"simulated", true}}
                        .dump());
    });
  };
}

}  // namespace sample
