// describe.cpp — the default report: the plugin, then per device its
// capability, current stream, memory stats and properties.
//
// Every device field is a JSON value, or null with the field named in the
// device's "not_implemented" list (the plugin lacks the hook) or in its
// "errors" object (the hook failed; the message is kept).
#include "mtia_info.h"

#include <mtia/loader.h>

#include <algorithm>
#include <string>

namespace mtia_info {

namespace {

nlohmann::json pluginSection(const mtia::PluginInfo& info) {
  return {
      {"name", info.name},
      {"version", info.version},
      {"path", info.path},
      {"found_by", info.found_by},
      {"resolved_path", info.resolved_path},
      {"abi",
       {{"plugin", mtia::abiVersion(info.abi_major, info.abi_minor)},
        {"host", mtia::abiVersion(info.abi_major, info.host_abi_minor)},
        {"negotiated", mtia::abiVersion(info.abi_major, std::min(info.abi_minor, info.host_abi_minor))}}},
  };
}

nlohmann::json streamJson(const mtia::Stream& s) {
  return {
      {"id", s.id()}, {"device", s.device_index()}, {"default", s.id() == mtia::Stream::DEFAULT}};
}

// Sets device[key] from fn(), recording an absent or failed hook.
template <class Fn>
void field(nlohmann::json& device, const char* key, Fn&& fn) {
  nlohmann::json value;
  const Outcome outcome = attempt([&] {
    value = fn();
    return std::string();
  });
  device[key] = outcome.field == Field::Ok ? value : nlohmann::json();
  if (outcome.field == Field::NotImplemented) device["not_implemented"].push_back(key);
  if (outcome.field == Field::Failed) device["errors"][key] = outcome.detail;
}

nlohmann::json deviceSection(const mtia::MTIAHooksInterface& hooks, mtia::DeviceIndex d) {
  nlohmann::json device = {{"index", d},
                           {"not_implemented", nlohmann::json::array()},
                           {"errors", nlohmann::json::object()}};
  field(device, "capability", [&] { return hooks.getDeviceCapability(d); });
  field(device, "current_stream", [&] { return streamJson(hooks.getCurrentStream(d)); });
  field(device, "memory_stats", [&] { return hooks.memoryStats(d); });
  field(device, "properties", [&] { return hooks.getDeviceProperties(d); });
  return device;
}

}  // namespace

nlohmann::json describe(const mtia::MTIAHooksInterface& hooks) {
  nlohmann::json description = {{"plugin", pluginSection(*hooks.pluginInfo())},
                                {"devices", nlohmann::json::array()}};
  const mtia::DeviceIndex count = hooks.deviceCount();
  description["device_count"] = count;
  for (mtia::DeviceIndex d = 0; d < count; ++d) {
    description["devices"].push_back(deviceSection(hooks, d));
  }
  return description;
}

bool hasErrors(const nlohmann::json& description) {
  return std::any_of(description["devices"].begin(), description["devices"].end(),
                     [](const nlohmann::json& device) { return !device["errors"].empty(); });
}

}  // namespace mtia_info
