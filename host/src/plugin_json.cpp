#include "plugin_json.h"

#include "text.h"

#include <cstdint>
#include <limits>
#include <unordered_set>
#include <vector>

namespace mtia::detail {

namespace {

// "\"dram\".\"peak_bytes\"" for messages; names are capped plugin text.
std::string quoted(const std::string& name) {
  return "\"" + pluginText(name, kMaxPluginNameBytes) + "\"";
}

// What a value is, for "... is <this>, not ...": a number itself, else its type.
std::string describe(const nlohmann::json& value) {
  if (value.is_number()) return value.dump();
  return std::string("of type ") + value.type_name();
}

// A member that must be an integer in [min, max]; JsonProblem otherwise.
uint64_t integerIn(const nlohmann::json& object, const std::string& where, const char* key,
                   uint64_t max) {
  const auto it = object.find(key);
  const std::string name = where + quoted(key);
  if (it == object.end()) throw JsonProblem("the plugin's result has no " + name);
  if (!it->is_number_unsigned() || it->get<uint64_t>() > max) {
    throw JsonProblem("the plugin's " + name + " is " + describe(*it) + ", not an integer in 0.." +
                      std::to_string(max));
  }
  return it->get<uint64_t>();
}

constexpr uint64_t kMaxBytes = std::numeric_limits<uint64_t>::max();

}  // namespace

nlohmann::json parsePluginObject(const std::string& text) {
  const std::size_t nul = text.find('\0');
  if (nul != std::string::npos) {
    throw JsonProblem("the plugin returned JSON with a NUL byte at offset " + std::to_string(nul));
  }
  // One set of keys per open object, innermost last: a key seen twice in one
  // object is an error (nlohmann would keep the last silently).
  std::vector<std::unordered_set<std::string>> keys;
  const auto check = [&keys](int depth, nlohmann::json::parse_event_t event,
                             nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (depth > kMaxPluginJsonDepth) {
      throw JsonProblem("the plugin returned JSON nested deeper than " +
                        std::to_string(kMaxPluginJsonDepth) + " levels");
    }
    if (event == Event::object_start) {
      keys.emplace_back();
    } else if (event == Event::object_end) {
      keys.pop_back();
    } else if (event == Event::key && !keys.empty() &&
               !keys.back().insert(parsed.get<std::string>()).second) {
      throw JsonProblem("the plugin returned JSON with the key " +
                        quoted(parsed.get<std::string>()) + " twice in one object");
    }
    return true;
  };
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text, check);
  } catch (const nlohmann::json::exception& e) {
    throw JsonProblem("the plugin returned malformed JSON: " + pluginText(e.what()));
  }
  if (!value.is_object()) {
    throw JsonProblem(std::string("the plugin returned JSON of type ") + value.type_name() +
                      ", not an object");
  }
  return value;
}

void checkMemoryStats(const nlohmann::json& stats) {
  const auto dram = stats.find("dram");
  if (dram == stats.end() || !dram->is_object()) {
    throw JsonProblem("the plugin's memory stats lack a \"dram\" object");
  }
  const std::string where = "\"dram\".";
  const uint64_t allocated = integerIn(*dram, where, "allocated_bytes", kMaxBytes);
  const uint64_t peak = integerIn(*dram, where, "peak_bytes", kMaxBytes);
  for (const auto& [key, value] : dram->items()) {
    const bool bytes = key.size() >= 6 && key.compare(key.size() - 6, 6, "_bytes") == 0;
    if (bytes) integerIn(*dram, where, key.c_str(), kMaxBytes);
  }
  if (peak < allocated) {
    throw JsonProblem("the plugin's \"dram\".\"peak_bytes\" (" + std::to_string(peak) +
                      ") is below \"allocated_bytes\" (" + std::to_string(allocated) + ")");
  }
  for (const auto& [key, value] : dram->items()) {
    if (key.rfind("peak_", 0) != 0 || key == "peak_bytes") continue;
    const auto current = dram->find(key.substr(5));
    if (current == dram->end() || !value.is_number_unsigned() ||
        !current->is_number_unsigned() || value.get<uint64_t>() >= current->get<uint64_t>()) {
      continue;
    }
    throw JsonProblem("the plugin's \"dram\"." + quoted(key) + " (" + value.dump() +
                      ") is below " + quoted(current.key()) + " (" + current->dump() + ")");
  }
}

void checkDeviceCapability(const nlohmann::json& capability) {
  constexpr uint64_t kMax = std::numeric_limits<int32_t>::max();
  integerIn(capability, "", "major", kMax);
  integerIn(capability, "", "minor", kMax);
}

void checkDeviceProperties(const nlohmann::json& properties) {
  const auto name = properties.find("name");
  if (name == properties.end() || !name->is_string()) {
    throw JsonProblem("the plugin's device properties lack a string \"name\"");
  }
  integerIn(properties, "", "total_memory", kMaxBytes);
}

}  // namespace mtia::detail
