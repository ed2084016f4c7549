// plugin_json.h — the JSON a plugin writes into a host sink (config, memory
// stats, device capability and properties, memory snapshot), parsed and
// checked. Pure functions, so the fuzzer (fuzz/fuzz_plugin_json.cpp) can
// call them; the adapter turns a JsonProblem into PluginError(INTERNAL)
// naming the hook.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace mtia::detail {

// Deeper nesting is refused: serialising it again (error messages, dump())
// recurses once per level.
inline constexpr int kMaxPluginJsonDepth = 64;

class JsonProblem : public std::runtime_error {
 public:
  explicit JsonProblem(const std::string& what) : std::runtime_error(what) {}
};

// A JSON object, or JsonProblem: "the plugin returned malformed JSON: ...",
// "... JSON of type array, not an object", "... JSON nested deeper than 64 levels".
nlohmann::json parsePluginObject(const std::string& text);

// torch.mtia.memory_stats' shape: a "dram" object with "allocated_bytes" and "peak_bytes".
void checkMemoryStats(const nlohmann::json& stats);

// A device capability: integer "major" and "minor".
void checkDeviceCapability(const nlohmann::json& capability);

}  // namespace mtia::detail
