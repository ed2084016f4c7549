// fuzz_plugin_json — the JSON a plugin writes into host sinks, through the
// functions the adapter uses: an object comes back (and can be serialised
// again), or JsonProblem is thrown. Anything else is a bug.
#include "plugin_json.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  using mtia::detail::JsonProblem;
  try {
    const nlohmann::json value = mtia::detail::parsePluginObject(text);
    if (!value.is_object()) __builtin_trap();
    (void)value.dump();  // error messages and showConfig() serialise it again
    try {
      mtia::detail::checkMemoryStats(value);
      const nlohmann::json& dram = value.at("dram");
      if (!dram.contains("allocated_bytes") || !dram.contains("peak_bytes")) __builtin_trap();
    } catch (const JsonProblem&) {
    }
    try {
      mtia::detail::checkDeviceCapability(value);
      if (!value.at("major").is_number_integer()) __builtin_trap();
    } catch (const JsonProblem&) {
    }
  } catch (const JsonProblem&) {
    // Reported to the user as PluginError(INTERNAL): fine.
  }
  return 0;
}
