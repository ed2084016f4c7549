#include "manifest.h"

#include "negotiation.h"
#include "step.h"

#include <mtia/loader.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

namespace mtia::detail {

namespace {

// Parses "<n>.<n>[.<n>]" with exactly `parts` decimal numbers (no signs,
// no spaces, each at most 9 digits). Returns false on anything else.
bool parseVersion(const std::string& text, int parts, uint32_t out[3]) {
  std::size_t pos = 0;
  for (int i = 0; i < parts; ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != '.') return false;
      ++pos;
    }
    const std::size_t start = pos;
    uint32_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 9) {
      value = value * 10 + static_cast<uint32_t>(text[pos] - '0');
      ++pos;
    }
    if (pos == start) return false;
    out[i] = value;
  }
  return pos == text.size();
}

const nlohmann::json* member(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

}  // namespace

Manifest parseManifest(std::string_view text, const std::string& directory) {
  if (text.size() > kMaxManifestBytes) {
    throw StepFailure("the manifest is larger than " + std::to_string(kMaxManifestBytes) +
                      " bytes");
  }
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw StepFailure(std::string("the manifest is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) {
    throw StepFailure(std::string("the manifest must be a JSON object, not ") + doc.type_name());
  }
  Manifest m;
  uint32_t v[3] = {0, 0, 0};
  const nlohmann::json* format = member(doc, "file_format_version");
  if (format == nullptr || !format->is_string()) {
    throw StepFailure("the manifest lacks a string \"file_format_version\" (e.g. \"1.0.0\")");
  }
  m.file_format_version = format->get<std::string>();
  if (!parseVersion(m.file_format_version, 3, v)) {
    throw StepFailure("the manifest's file_format_version \"" + m.file_format_version +
                      "\" is not of the form MAJOR.MINOR.PATCH");
  }
  if (v[0] != 1) {
    throw StepFailure("the manifest's file_format_version " + m.file_format_version +
                      " is not supported: this host reads file format 1.x.y");
  }
  const nlohmann::json* plugin = member(doc, "plugin");
  if (plugin == nullptr || !plugin->is_object()) {
    throw StepFailure("the manifest lacks a \"plugin\" object");
  }
  const nlohmann::json* library = member(*plugin, "library_path");
  if (library == nullptr || !library->is_string() || library->get_ref<const std::string&>().empty()) {
    throw StepFailure("the manifest's \"plugin\" object lacks a non-empty string \"library_path\"");
  }
  m.library_path = library->get<std::string>();
  if (m.library_path.find('\0') != std::string::npos) {
    throw StepFailure("the manifest's library_path contains a NUL character");
  }
  const nlohmann::json* abi = member(*plugin, "abi_version");
  if (abi == nullptr || !abi->is_string() || !parseVersion(abi->get<std::string>(), 2, v)) {
    throw StepFailure(
        "the manifest's \"plugin\" object lacks a string \"abi_version\" of the form MAJOR.MINOR "
        "(e.g. \"1.0\")");
  }
  if (const nlohmann::json* priority = member(*plugin, "priority")) {
    if (!priority->is_number_integer() || *priority < INT32_MIN || *priority > INT32_MAX) {
      throw StepFailure(
          "the manifest's \"priority\" is not an integer from -2147483648 to 2147483647");
    }
    m.priority = priority->get<int32_t>();
  }
  m.abi_major = v[0];
  m.abi_minor = v[1];
  const std::string problem = abiIncompatibility(m.abi_major, m.abi_minor, hostAbiWindow());
  if (!problem.empty()) {
    throw StepFailure("the manifest declares MTIA plugin ABI " +
                      abiVersion(m.abi_major, m.abi_minor) + "; " + problem);
  }
  m.library = m.library_path.front() == '/' ? m.library_path
                                            : (directory == "/" ? "" : directory) + "/" + m.library_path;
  return m;
}

std::string readManifestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StepFailure("cannot open the manifest '" + path + "': " + std::strerror(errno));
  std::string text(kMaxManifestBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw StepFailure("cannot read the manifest '" + path + "'");
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

}  // namespace mtia::detail
