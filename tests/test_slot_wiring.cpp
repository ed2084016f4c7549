// Every slot of plugin_abi.h is wired into every place HACKING.md's "Adding a
// slot" checklist names. The slots are read from the header's tables (the
// core table and each standard extension table); the host methods that reach
// them from the tables in docs/abi.md (§5 and §9). A slot missing from a place
// fails with the place and what to do; the exemptions below say why a slot
// needs no entry somewhere.
//
// MTIA_SLOT_WIRING_ROOT, when set, is the source tree to check instead of this
// one (a scratch copy with a dummy slot shows the test failing).
#include <mtia/plugin_abi.h>

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string root() {
  const char* override_root = std::getenv("MTIA_SLOT_WIRING_ROOT");
  return override_root != nullptr && *override_root != '\0' ? override_root : MTIA_SOURCE_DIR;
}

std::string readFile(const std::string& relative) {
  std::ifstream in(root() + "/" + relative, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + root() + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The files directly in `dir` whose names start with `prefix` and end with one of `suffixes`.
std::string readFiles(const std::string& dir, const std::string& prefix,
                      const std::vector<std::string>& suffixes) {
  std::string all;
  for (const auto& entry : fs::directory_iterator(root() + "/" + dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    for (const std::string& suffix : suffixes) {
      if (name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        all += readFile(dir + "/" + name);
        break;
      }
    }
  }
  return all;
}

bool isWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// `word` occurs in `text` with no identifier character on either side.
bool hasWord(const std::string& text, const std::string& word) {
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const size_t end = at + word.size();
    if ((at == 0 || !isWordChar(text[at - 1])) && (end == text.size() || !isWordChar(text[end]))) {
      return true;
    }
  }
  return false;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct Slot {
  std::string table;  // "mtia_plugin_api" or an extension, e.g. "mtia_exec_ext_v1"
  std::string name;
  int minor = -1;     // the core table's minor that added it; -1 in extensions
  bool core() const { return table == "mtia_plugin_api"; }
};

// The function-pointer members of the header's tables, in order.
std::vector<Slot> headerSlots(const std::string& header) {
  std::vector<Slot> slots;
  const std::regex open(R"(^(?:typedef )?struct (mtia_plugin_api|mtia_\w+_ext_v\d+) \{)");
  const std::regex member(R"(\(\*(\w+)\)\s*\()");
  const std::regex group(R"(^\s*/\* ---- .*\b1\.(\d+)\b)");
  std::istringstream in(header);
  std::string table;
  int minor = -1;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (table.empty()) {
      if (std::regex_search(line, m, open)) {
        table = m[1];
        minor = -1;
      }
      continue;
    }
    if (line.rfind("}", 0) == 0) {
      table.clear();
      continue;
    }
    if (std::regex_search(line, m, group)) minor = std::stoi(m[1]);
    if (std::regex_search(line, m, member)) {
      slots.push_back({table, m[1], table == "mtia_plugin_api" ? minor : -1});
    }
  }
  return slots;
}

// docs/abi.md's tables: for each slot named in a row, the host methods named
// in that row (`deviceCount()`, `StreamExec::memset(...)`, `Event::~Event()`).
std::map<std::string, std::vector<std::string>> hostMethods(const std::string& abi_md,
                                                            const std::set<std::string>& slots) {
  std::map<std::string, std::vector<std::string>> methods;
  const std::regex code("`([^`]+)`");
  const std::regex method(R"(^((?:\w+::)?~?\w+)\()");
  std::istringstream in(abi_md);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("|", 0) != 0) continue;
    std::vector<std::string> row_slots, row_methods;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), code); it != std::sregex_iterator();
         ++it) {
      const std::string token = (*it)[1];
      std::smatch m;
      if (slots.count(token) != 0) {
        row_slots.push_back(token);
      } else if (std::regex_search(token, m, method)) {
        row_methods.push_back(m[1]);
      }
    }
    for (const std::string& s : row_slots) {
      for (const std::string& h : row_methods) methods[s].push_back(h);
    }
  }
  return methods;
}

// "StreamExec::memset" -> "memset"; "Event::~Event" -> "~Event".
std::string methodName(const std::string& method) {
  const size_t colons = method.rfind("::");
  return colons == std::string::npos ? method : method.substr(colons + 2);
}

// Slots that no host method reaches: the loader and the adapter call them.
const std::set<std::string> kLifecycle = {"initialize", "shutdown", "get_last_error",
                                          "get_extension"};

// Places a slot may be absent from, and why.
const std::map<std::pair<std::string, std::string>, std::string> kExemptions = {
    {{"initialize", "adapter"}, "the loader calls it (host/src/loader.cpp)"},
    {{"shutdown", "adapter"}, "the loader calls it (host/src/loader.cpp)"},
    {{"lazy_init", "conformance"}, "not checked by the conformance suite yet"},
    {{"has_mtia", "conformance"}, "not checked by the conformance suite yet"},
    {{"is_available", "conformance"}, "not checked by the conformance suite yet"},
    {{"record_memory_history", "conformance"}, "not checked by the conformance suite yet"},
};

struct Sources {
  std::string header = readFile("plugin_abi/include/mtia/plugin_abi.h");
  std::string abi_md = readFile("docs/abi.md");
  std::string adapter = readFiles("host/src", "adapter", {".h", ".cpp"});
  std::string loader = readFile("host/src/loader.cpp");
  std::string unloaded = readFile("host/src/unloaded.cpp");
  std::string validation = readFile("host/src/validation.cpp");
  std::string public_headers = readFiles("host/include/mtia", "", {".h"});
  std::string baseline = readFile("abi/plugin_abi.abi");
  std::string sample = readFiles("sample_plugin", "", {".cpp", ".h"});
  std::string opencl = readFiles("plugins/opencl/bind", "", {".cpp", ".h"});
  std::string conformance = readFiles("tools/conformance", "", {".cpp", ".h"});
  std::string changelog = readFile("CHANGELOG.md");
};

// Every place `slot` is missing from, each with what to do.
std::vector<std::string> missingPlaces(const Slot& slot, const Sources& src,
                                       const std::map<std::string, std::vector<std::string>>& methods,
                                       const std::vector<Slot>& all) {
  std::vector<std::string> missing;
  const auto need = [&](const std::string& place, bool present, const std::string& fix) {
    if (present) return;
    const auto exempt = kExemptions.find({slot.name, place});
    if (exempt != kExemptions.end()) return;
    missing.push_back(place + ": " + fix);
  };
  const std::string& s = slot.name;
  const auto found = methods.find(s);
  const std::vector<std::string> none;
  const std::vector<std::string>& hooks = found != methods.end() ? found->second : none;
  const bool lifecycle = kLifecycle.count(s) != 0;

  need("docs", lifecycle || !hooks.empty(),
       "no row of docs/abi.md's slot tables (§5 core, §9 extensions) names it with its host method");
  need("adapter", hasWord(src.adapter, s),
       "host/src/adapter*.{h,cpp} never names it: bind it to its hook (absent slot -> NOT_SUPPORTED)");
  if (s == "initialize" || s == "shutdown") {
    need("loader", hasWord(src.loader, s), "host/src/loader.cpp never calls it");
  }
  need("unloaded stand-ins", hasWord(src.unloaded, s),
       "host/src/unloaded.cpp has no failing stand-in for it (MTIA_FAILING / makeExtension)");
  for (const std::string& h : hooks) {
    need("stub", contains(src.public_headers, methodName(h) + "("),
         "host method '" + h + "' is not declared in host/include/mtia/ (the stub's throwing default)");
  }
  need("ABI baseline", contains(src.baseline, "name='" + s + "'"),
       "abi/plugin_abi.abi does not have it: run abi/check.sh --update and commit the baseline");
  need("sample plugin", hasWord(src.sample, s), "sample_plugin/ does not implement it");
  need("OpenCL plugin", hasWord(src.opencl, s), "plugins/opencl/bind/ does not implement it");
  bool checked = hasWord(src.conformance, s);
  for (const std::string& h : hooks) {
    const std::string name = methodName(h);
    checked = checked || (name[0] == '~' ? hasWord(src.conformance, name.substr(1))
                                         : contains(src.conformance, name + "("));
  }
  need("conformance", lifecycle || checked,
       "tools/conformance/ has no check calling it (mtia-info --check and mtia-conformance)");

  if (slot.core()) {
    const std::string size = "MTIA_PLUGIN_API_SIZE_1_" + std::to_string(slot.minor);
    need("validation sizes", slot.minor >= 0 && contains(src.header, "#define " + size + " "),
         "plugin_abi.h defines no " + size + " for the minor that added it (a /* ---- 1.N ---- */ group)");
    need("validation sizes", contains(src.validation, size),
         "host/src/validation.cpp's table of sizes by minor lacks " + size);
    // The last slot of its minor is what that minor's size runs through.
    const Slot* last = nullptr;
    for (const Slot& other : all) {
      if (other.core() && other.minor == slot.minor) last = &other;
    }
    if (last == &slot) {
      need("validation sizes",
           contains(src.header, size + " MTIA_STRUCT_SIZE_THROUGH(mtia_plugin_api_t, " + s + ")"),
           size + " is not MTIA_STRUCT_SIZE_THROUGH(mtia_plugin_api_t, " + s + ")");
    }
    if (slot.minor > 0) {
      need("CHANGELOG", hasWord(src.changelog, s), "CHANGELOG.md's entry for 1." +
                                                       std::to_string(slot.minor) + " does not name it");
    }
  }
  return missing;
}

}  // namespace

TEST_CASE("The slots are read from plugin_abi.h's tables", "[slot_wiring]") {
  const std::vector<Slot> slots = headerSlots(readFile("plugin_abi/include/mtia/plugin_abi.h"));
  size_t core = 0;
  std::set<std::string> tables;
  for (const Slot& s : slots) {
    tables.insert(s.table);
    if (!s.core()) continue;
    ++core;
    CHECK(s.minor >= 0);
  }
  // Every slot of the core table: the header pins the table's size, so the
  // parse must account for every pointer in it (five header fields precede them).
  CHECK(core * sizeof(void (*)()) == sizeof(mtia_plugin_api_t) - offsetof(mtia_plugin_api_t, initialize));
  CHECK(tables == std::set<std::string>{"mtia_plugin_api", "mtia_streams_ext_v1",
                                        "mtia_exec_ext_v1", "mtia_events_ext_v1"});
  // Each extension table is struct_size and then its slots.
  const auto slotsOf = [](size_t size) { return (size - sizeof(size_t)) / sizeof(void (*)()); };
  CHECK(slots.size() == core + slotsOf(sizeof(mtia_streams_ext_v1_t)) +
                            slotsOf(sizeof(mtia_exec_ext_v1_t)) + slotsOf(sizeof(mtia_events_ext_v1_t)));
}

TEST_CASE("Every slot is wired into every place of HACKING.md's checklist", "[slot_wiring]") {
  const Sources src;
  const std::vector<Slot> slots = headerSlots(src.header);
  REQUIRE(slots.size() > 40);
  std::set<std::string> names;
  for (const Slot& s : slots) names.insert(s.name);
  const auto methods = hostMethods(src.abi_md, names);
  std::string report;
  for (const Slot& s : slots) {
    for (const std::string& m : missingPlaces(s, src, methods, slots)) {
      report += "\n  slot '" + s.name + "' (" + s.table + "): " + m;
    }
  }
  INFO("slots not wired everywhere (HACKING.md, \"Adding a slot\"):" << report);
  CHECK(report.empty());
}
