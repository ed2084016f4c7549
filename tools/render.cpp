// render.cpp — the aligned text layout of mtia-info's description.
#include "mtia_info.h"

#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace mtia_info {

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

constexpr size_t kKeyWidth = 16;  // the first column of the plugin and device sections

std::string pad(const std::string& s, size_t width) {
  return s + std::string(s.size() < width ? width - s.size() : 1, ' ');
}

// Prints rows as "key  value", keys padded to `width` (0: the longest key + 2).
void printRows(std::ostream& out, const std::string& indent, const Rows& rows, size_t width = 0) {
  for (const auto& row : rows) width = std::max(width, row.first.size() + 2);
  for (const auto& [key, value] : rows) {
    out << indent << (value.empty() ? key : pad(key, width) + value) << "\n";
  }
}

std::string scalar(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : mtia_conformance::jsonText(value);
}

// An object's leaves, nested keys joined with '.'.
void flatten(const nlohmann::json& object, const std::string& prefix, Rows* rows) {
  for (const auto& [key, value] : object.items()) {
    if (value.is_object() && !value.empty()) {
      flatten(value, prefix + key + ".", rows);
    } else {
      rows->emplace_back(prefix + key, scalar(value));
    }
  }
}

bool contains(const nlohmann::json& list, const char* key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

void renderDevice(std::ostream& out, const nlohmann::json& device) {
  out << "\nDevice " << device["index"].get<int>() << "\n";
  const auto line = [&](const char* key, const char* label, auto&& format) {
    const nlohmann::json& value = device[key];
    std::string text;
    if (contains(device["not_implemented"], key)) {
      text = kNotImplemented;
    } else if (device["errors"].contains(key)) {
      text = "error: " + device["errors"][key].get<std::string>();
    } else {
      text = format(value);
    }
    out << "  " << (text.empty() ? label : pad(label, kKeyWidth) + text) << "\n";
    if (value.is_object() && text.empty()) {
      Rows rows;
      flatten(value, "", &rows);
      printRows(out, "    ", rows);
    }
  };
  const auto nested = [](const nlohmann::json& value) {
    return value.empty() ? std::string("{}") : std::string();
  };
  line("capability", "capability", [](const nlohmann::json& c) {
    return scalar(c["major"]) + "." + scalar(c["minor"]);
  });
  line("current_stream", "current stream", [](const nlohmann::json& s) {
    return scalar(s["id"]) + (s["default"].get<bool>() ? " (default)" : "");
  });
  line("memory_stats", "memory stats", nested);
  line("properties", "properties", nested);
}

}  // namespace

void renderDescription(std::ostream& out, const nlohmann::json& description) {
  const nlohmann::json& plugin = description["plugin"];
  const nlohmann::json& abi = plugin["abi"];
  out << "MTIA plugin\n";
  printRows(out, "  ",
            {{"name", plugin["name"]},
             {"version", plugin["version"]},
             {"path", plugin["resolved_path"]},
             {"found by", plugin["found_by"] == "" ? "--plugin PATH" : plugin["found_by"]},
             {"ABI", abi["negotiated"].get<std::string>() + " (plugin " +
                         abi["plugin"].get<std::string>() + ", host " +
                         abi["host"].get<std::string>() + ")"},
             {"devices", std::to_string(description["device_count"].get<int>())}},
            kKeyWidth);
  for (const nlohmann::json& device : description["devices"]) renderDevice(out, device);
}

}  // namespace mtia_info
