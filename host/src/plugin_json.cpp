#include "plugin_json.h"

namespace mtia::detail {

nlohmann::json parsePluginObject(const std::string& text) {
  const auto limit_depth = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxPluginJsonDepth) {
      throw JsonProblem("the plugin returned JSON nested deeper than " +
                        std::to_string(kMaxPluginJsonDepth) + " levels");
    }
    return true;
  };
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text, limit_depth);
  } catch (const nlohmann::json::exception& e) {
    throw JsonProblem(std::string("the plugin returned malformed JSON: ") + e.what());
  }
  if (!value.is_object()) {
    throw JsonProblem(std::string("the plugin returned JSON of type ") + value.type_name() +
                      ", not an object");
  }
  return value;
}

void checkMemoryStats(const nlohmann::json& stats) {
  const auto dram = stats.find("dram");
  if (dram == stats.end() || !dram->is_object() || !dram->contains("allocated_bytes") ||
      !dram->contains("peak_bytes")) {
    throw JsonProblem(
        "the plugin's memory stats lack a \"dram\" object with \"allocated_bytes\" and "
        "\"peak_bytes\": " +
        stats.dump());
  }
}

void checkDeviceCapability(const nlohmann::json& capability) {
  const auto major = capability.find("major");
  const auto minor = capability.find("minor");
  if (major == capability.end() || !major->is_number_integer() || minor == capability.end() ||
      !minor->is_number_integer()) {
    throw JsonProblem("the plugin's device capability lacks integer \"major\" and \"minor\": " +
                      capability.dump());
  }
}

}  // namespace mtia::detail
