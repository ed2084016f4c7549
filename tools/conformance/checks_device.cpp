// checks_device.cpp — the device group: the count, the per-thread current
// device, exchange semantics, bad indices on every device-taking hook, and the
// JSON descriptions of a device.
#include "support.h"

#include <functional>
#include <utility>

namespace mtia_conformance {

namespace {

std::string countDevices(Context& c) {
  const int n = c.hooks.deviceCount();
  expect(n > 0, "deviceCount() returned " + str(n));
  int other = -1;
  onOtherThread([&] { other = c.hooks.deviceCount(); });
  expect(other == n, "deviceCount() returned " + str(n) + " here and " + str(other) +
                         " on another thread");
  return str(n) + (n == 1 ? " device" : " devices");
}

std::string currentDevice(Context& c) {
  for (int d = c.devices - 1; d >= 0; --d) {
    c.hooks.setCurrentDevice(dev(d));
    const int now = c.hooks.getCurrentDevice();
    expect(now == d, "after setCurrentDevice(" + str(d) + "), getCurrentDevice() returned " +
                         str(now));
  }
  return "devices 0-" + str(c.devices - 1);
}

std::string perThreadDevice(Context& c) {
  c.hooks.setCurrentDevice(1);
  expect(c.hooks.getCurrentDevice() == 1, "setCurrentDevice(1) did not take effect");
  int fresh = -1;
  onOtherThread([&] {
    fresh = c.hooks.getCurrentDevice();
    c.hooks.setCurrentDevice(0);
  });
  const int mine = c.hooks.getCurrentDevice();
  expect(fresh == 0, "a fresh thread's current device is " + str(fresh) + ", not 0");
  expect(mine == 1, "setCurrentDevice(0) on another thread changed this thread's current "
                    "device from 1 to " + str(mine));
  return "a fresh thread starts on device 0; setting it there leaves this thread on device 1";
}

std::string exchange(Context& c) {
  c.hooks.setCurrentDevice(0);
  const int previous = c.hooks.exchangeDevice(1);
  expect(previous == 0, "exchangeDevice(1) with device 0 current returned " + str(previous));
  expect(c.hooks.getCurrentDevice() == 1,
         "after exchangeDevice(1), getCurrentDevice() returned " + str(c.hooks.getCurrentDevice()));
  const int same = c.hooks.exchangeDevice(1);
  expect(same == 1, "exchangeDevice(1) with device 1 current returned " + str(same));
  std::string maybe = "; maybeExchangeDevice not implemented";
  try {
    const int back = c.hooks.maybeExchangeDevice(0);
    expect(back == 1, "maybeExchangeDevice(0) with device 1 current returned " + str(back));
    expect(c.hooks.getCurrentDevice() == 0, "after maybeExchangeDevice(0), getCurrentDevice() "
                                            "returned " + str(c.hooks.getCurrentDevice()));
    maybe = " and maybeExchangeDevice";
  } catch (const mtia::PluginError& e) {
    if (e.code() != MTIA_STATUS_NOT_SUPPORTED) throw;
  }
  return "exchangeDevice" + maybe + " return the previous device and make the new one current";
}

// Every hook that takes a device index, called with `d`.
std::vector<std::pair<const char*, std::function<void(const Hooks&, DeviceIndex)>>>
deviceTakingHooks() {
  return {
      {"setCurrentDevice", [](const Hooks& h, DeviceIndex d) { h.setCurrentDevice(d); }},
      {"exchangeDevice", [](const Hooks& h, DeviceIndex d) { h.exchangeDevice(d); }},
      {"maybeExchangeDevice", [](const Hooks& h, DeviceIndex d) { h.maybeExchangeDevice(d); }},
      {"deviceSynchronize", [](const Hooks& h, DeviceIndex d) { h.deviceSynchronize(d); }},
      {"hasPrimaryContext", [](const Hooks& h, DeviceIndex d) { h.hasPrimaryContext(d); }},
      {"getCurrentStream", [](const Hooks& h, DeviceIndex d) { h.getCurrentStream(d); }},
      {"getCurrentRawStream", [](const Hooks& h, DeviceIndex d) { h.getCurrentRawStream(d); }},
      {"getDefaultStream", [](const Hooks& h, DeviceIndex d) { h.getDefaultStream(d); }},
      {"memoryStats", [](const Hooks& h, DeviceIndex d) { h.memoryStats(d); }},
      {"getDeviceCapability", [](const Hooks& h, DeviceIndex d) { h.getDeviceCapability(d); }},
      {"getDeviceProperties", [](const Hooks& h, DeviceIndex d) { h.getDeviceProperties(d); }},
      {"resetPeakMemoryStats", [](const Hooks& h, DeviceIndex d) { h.resetPeakMemoryStats(d); }},
      {"deviceAlloc",
       [](const Hooks& h, DeviceIndex d) {
         void* p = h.deviceAlloc(d, 64);
         h.deviceFree(p);  // only reached when the plugin accepted the index
       }},
      {"createStream", [](const Hooks& h, DeviceIndex d) { h.createStream(d); }},
  };
}

std::string badIndex(Context& c) {
  c.hooks.setCurrentDevice(0);
  int checked = 0;
  std::string absent;
  for (const auto& [name, call] : deviceTakingHooks()) {
    for (const int bad : {c.devices, -2}) {
      const std::string code = failureCode([&] { call(c.hooks, dev(bad)); });
      if (code == "NOT_SUPPORTED") {
        absent += std::string(absent.empty() ? "" : ", ") + name;
        break;
      }
      expect(code == "INVALID_ARGUMENT", std::string(name) + "(" + str(bad) + ") with " +
                                             str(c.devices) + " devices gave " + code +
                                             ", expected INVALID_ARGUMENT");
      expect(c.hooks.getCurrentDevice() == 0, std::string("a failed ") + name + "(" + str(bad) +
                                                  ") changed the current device to " +
                                                  str(c.hooks.getCurrentDevice()));
      ++checked;
    }
  }
  return str(checked / 2) + " hooks reject devices " + str(c.devices) + " and -2" +
         (absent.empty() ? "" : " (not implemented: " + absent + ")");
}

int64_t nonNegativeInt(const nlohmann::json& object, const char* key, const std::string& what) {
  const auto v = object.find(key);
  expect(v != object.end() && v->is_number_integer() && v->get<int64_t>() >= 0,
         what + " has no non-negative integer \"" + key + "\": " + jsonText(object));
  return v->get<int64_t>();
}

std::string descriptions(Context& c) {
  std::string absent;
  const auto attempt = [&](const char* name, const std::function<void()>& fn) {
    try {
      fn();
    } catch (const mtia::PluginError& e) {
      if (e.code() != MTIA_STATUS_NOT_SUPPORTED) throw;
      absent += std::string(absent.empty() ? "" : ", ") + name;
    }
  };
  for (int d = 0; d < c.devices; ++d) {
    const std::string at = "(" + str(d) + ")";
    attempt("getDeviceCapability", [&] {
      const nlohmann::json cap = c.hooks.getDeviceCapability(dev(d));
      nonNegativeInt(cap, "major", "getDeviceCapability" + at);
      nonNegativeInt(cap, "minor", "getDeviceCapability" + at);
    });
    attempt("getDeviceProperties", [&] {
      const nlohmann::json props = c.hooks.getDeviceProperties(dev(d));
      const auto name = props.find("name");
      expect(name != props.end() && name->is_string() && !name->get<std::string>().empty(),
             "getDeviceProperties" + at + " has no non-empty \"name\": " + jsonText(props));
      expect(nonNegativeInt(props, "total_memory", "getDeviceProperties" + at) > 0,
             "getDeviceProperties" + at + " says total_memory is 0");
    });
  }
  attempt("showConfig", [&] {
    const std::string config = c.hooks.showConfig();
    const nlohmann::json parsed = nlohmann::json::parse(config, nullptr, false);
    expect(parsed.is_object(), "showConfig() is not a JSON object: " + config);
  });
  return "capability, properties and config are well formed" +
         (absent.empty() ? "" : " (not implemented: " + absent + ")");
}

}  // namespace

std::vector<Check> deviceChecks() {
  return {
      {"device.count", "deviceCount() is positive and the same on every thread",
       {{}, {}, 0, 0}, true, countDevices},
      {"device.current", "setCurrentDevice(d) makes getCurrentDevice() return d", {}, true,
       currentDevice},
      {"device.per_thread",
       "the current device is per thread; a fresh thread starts on device 0",
       {{}, {}, 0, 2}, true, perThreadDevice},
      {"device.exchange",
       "exchangeDevice / maybeExchangeDevice return the previous device and switch",
       {{}, {}, 0, 2}, true, exchange},
      {"device.bad_index",
       "every hook taking a device rejects deviceCount() and -2 with INVALID_ARGUMENT, "
       "changing nothing",
       {}, true, badIndex},
      {"device.descriptions",
       "capability {major, minor}, properties {name, total_memory > 0}, config is an object",
       {}, true, descriptions},
  };
}

}  // namespace mtia_conformance
