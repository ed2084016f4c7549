// report.cpp — a run as text and as JSON, the verdict words and the
// exit-code table: the same for mtia-info --check and mtia-conformance.
#include "support.h"

#include <ostream>

namespace mtia_conformance {

const char* const kExitCodeHelp =
    "exit codes:\n"
    "  0  success (--check: every check that ran passed)\n"
    "  1  a check failed (mtia-info without --check: a hook failed)\n"
    "  2  bad command line\n"
    "  3  no plugin configured (no PATH given, MTIA_PLUGIN_PATH unset or empty)\n"
    "  4  the plugin failed to load (a load step failed)\n";

const char* verdictName(Verdict v) noexcept {
  switch (v) {
    case Verdict::Pass: return "PASS";
    case Verdict::Fail: return "FAIL";
    case Verdict::Skip: return "SKIP";
  }
  return "FAIL";
}

std::string groupOf(const Check& check) {
  const std::string id = check.id;
  return id.substr(0, id.find('.'));
}

int Report::count(Verdict v) const {
  int n = 0;
  for (const Result& r : results) n += r.verdict == v;
  return n;
}

nlohmann::json Report::toJson() const {
  nlohmann::json checks = nlohmann::json::array();
  for (const Result& r : results) {
    checks.push_back({{"id", r.id},
                      {"group", r.group},
                      {"title", r.title},
                      {"verdict", verdictName(r.verdict)},
                      {"reason", r.reason}});
  }
  nlohmann::json json = {
      {"tool", tool},
      {"load", load.toJson()},
      {"plugin", nullptr},
      {"device_count", devices},
      {"checks", checks},
      {"summary",
       {{"passed", count(Verdict::Pass)},
        {"failed", count(Verdict::Fail)},
        {"skipped", count(Verdict::Skip)}}},
      {"result", exit_code == kExitOk ? "pass" : "fail"},
      {"exit_code", exit_code}};
  if (loaded) {
    json["plugin"] = {{"name", info.name},
                      {"version", info.version},
                      {"path", info.resolved_path},
                      {"abi", mtia::abiVersion(info.abi_major, info.abi_minor)},
                      {"host_abi", mtia::abiVersion(info.abi_major, info.host_abi_minor)}};
  }
  if (!failure.empty()) json["failure"] = failure;
  return json;
}

void renderText(std::ostream& out, const Report& report, bool load_steps) {
  if (load_steps || (!report.loaded && !report.load.steps.empty())) {
    out << report.load.toText() << "\n";
  }
  if (!report.loaded) {
    out << (load_steps ? "\n" : "") << "FAIL: " << report.failure << "\n";
    return;
  }
  const mtia::PluginInfo& info = report.info;
  out << (load_steps ? "\n" : "") << report.tool << ": plugin '" << info.name << "' "
      << info.version << ", ABI " << mtia::abiVersion(info.abi_major, info.abi_minor)
      << " (host " << mtia::abiVersion(info.abi_major, info.host_abi_minor) << "), " << report.devices
      << (report.devices == 1 ? " device\n" : " devices\n")
      << "  " << info.resolved_path << "\n";
  std::string group;
  for (const Result& r : report.results) {
    if (r.group != group) out << "\n" << (group = r.group) << "\n";
    out << "  " << verdictName(r.verdict) << "  " << r.id
        << (r.reason.empty() ? "" : ": " + r.reason) << "\n";
  }
  out << "\nResult: " << (report.exit_code == kExitOk ? "PASS" : "FAIL") << " ("
      << report.count(Verdict::Pass) << " passed, " << report.count(Verdict::Fail) << " failed, "
      << report.count(Verdict::Skip) << " skipped)\n";
  if (!report.failure.empty() && report.count(Verdict::Fail) == 0) {
    out << "FAIL: " << report.failure << "\n";
  }
}

void renderList(std::ostream& out) {
  for (const Check& c : allChecks()) {
    out << c.id << (c.quick ? "  [quick]" : "") << "\n  " << c.title << "\n";
    const Needs& n = c.needs;
    std::string needs;
    for (const std::string& g : n.groups) needs += " group:" + g;
    for (const std::string& e : n.extensions) needs += " " + e;
    if (n.abi_minor > 0) needs += " ABI>=" + mtia::abiVersion(MTIA_PLUGIN_ABI_MAJOR, n.abi_minor);
    if (n.devices != 1) needs += " devices>=" + std::to_string(n.devices);
    if (!needs.empty()) out << "  needs:" << needs << "\n";
  }
}

std::string jsonText(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void printJson(std::ostream& out, const nlohmann::json& json) {
  out << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace mtia_conformance
