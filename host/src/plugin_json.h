// plugin_json.h — the JSON a plugin writes into a host sink (config, memory
// stats, device capability and properties, memory snapshot), parsed and
// checked against the documented schema (docs/loading.md §9). Pure
// functions, so the fuzzer (fuzz/fuzz_plugin_json.cpp) can call them; the
// adapter turns a JsonProblem into PluginError(INTERNAL) naming the hook.
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

// A JSON object, or JsonProblem:
//   "the plugin returned malformed JSON: <parser message>" (also for invalid UTF-8)
//   "the plugin returned JSON of type array, not an object"
//   "the plugin returned JSON nested deeper than 64 levels"
//   "the plugin returned JSON with a NUL byte at offset 12"
//   "the plugin returned JSON with the key \"dram\" twice in one object"
// Every message is valid UTF-8.
nlohmann::json parsePluginObject(const std::string& text);

// torch.mtia.memory_stats' shape: a "dram" object with "allocated_bytes" and
// "peak_bytes"; every "*_bytes" member of "dram" a non-negative integer; every
// "peak_<x>" not below "<x>" ("peak_bytes" not below "allocated_bytes").
void checkMemoryStats(const nlohmann::json& stats);

// A device capability: "major" and "minor", integers in 0..2147483647.
void checkDeviceCapability(const nlohmann::json& capability);

// Device properties: a string "name" and a non-negative integer "total_memory".
void checkDeviceProperties(const nlohmann::json& properties);

}  // namespace mtia::detail
