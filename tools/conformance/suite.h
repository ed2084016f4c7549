// suite.h — the one check library behind `mtia-info --check` (the load
// report plus the quick checks) and `mtia-conformance` (every check).
//
// A check is a behaviour of the plugin contract, observed through the host's
// C++ API exactly as PyTorch calls it. It declares what it needs (hook groups,
// extensions, a negotiated ABI minor, a number of devices); a check whose
// needs are not met is SKIPped, saying which need. Every verdict carries a
// reason: what was verified (PASS), what was expected and seen (FAIL), what
// was missing (SKIP). Each check runs on a fresh thread under a watchdog: a
// check that hangs FAILs with what it was waiting for.
#pragma once

#include <mtia/hooks.h>
#include <mtia/loader.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace mtia_conformance {

// The exit codes of both tools (README, docs/plugin-guide.md, --help).
enum ExitCode : int {
  kExitOk = 0,          // every check that ran passed
  kExitFailed = 1,      // a check (or, mtia-info without --check, a hook) failed
  kExitUsage = 2,       // bad command line
  kExitNoPlugin = 3,    // no plugin configured (no PATH, MTIA_PLUGIN_PATH unset or empty)
  kExitLoadFailed = 4,  // the plugin failed to load (a load step failed)
};

// The exit-code table as --help prints it.
extern const char* const kExitCodeHelp;

// A plugin path (library or manifest) typed on a command line, as both tools
// hand it to the loader: a relative path is resolved against the working
// directory (leading "./" dropped); absolute paths and "" (MTIA_PLUGIN_PATH)
// are returned as typed. The loader accepts only absolute paths, so
// MTIA_PLUGIN_PATH itself stays absolute-only. If the working directory is
// unknown, the path is returned as typed and the load step says why it fails.
std::string commandLinePath(const std::string& typed);

enum class Verdict { Pass, Fail, Skip };
const char* verdictName(Verdict v) noexcept;  // "PASS", "FAIL", "SKIP"

// What a check needs to be meaningful. Groups: "stream", "memory", "graph"
// (the device group is required of every plugin).
struct Needs {
  std::vector<std::string> groups;
  std::vector<std::string> extensions;  // e.g. MTIA_EXT_EXEC_V1
  uint32_t abi_minor = 0;               // negotiated minor at least this
  int devices = 1;
};

class Context;

struct Check {
  const char* id;     // "group.name", stable: tests, docs and CI logs name it
  const char* title;  // the behaviour, one line
  Needs needs;
  bool quick = false;  // part of mtia-info --check
  // Returns what was verified; throws Violation (FAIL), NotApplicable (SKIP)
  // or anything else (FAIL, the message kept; PluginError NOT_SUPPORTED: SKIP).
  std::function<std::string(Context&)> run;
};

// The group of a check: the part of its id before the '.'.
std::string groupOf(const Check& check);

// Every check in report order.
const std::vector<Check>& allChecks();

struct Result {
  std::string id, group, title;
  Verdict verdict = Verdict::Pass;
  std::string reason;
};

// One run: how the plugin loaded and what each selected check found.
struct Report {
  std::string tool;          // "mtia-info --check" or "mtia-conformance"
  mtia::LoadReport load;
  bool loaded = false;
  mtia::PluginInfo info;
  int devices = 0;
  std::vector<Result> results;
  std::string failure;       // the first failure ("" when passing)
  int exit_code = kExitOk;

  int count(Verdict v) const;
  nlohmann::json toJson() const;
};

struct RunOptions {
  bool quick = false;        // only the quick checks
  std::string only;          // when not empty: the checks whose id starts with it
  double timeout_s = 20;     // per check
};

// Loads `path` (a library or a manifest; "" = MTIA_PLUGIN_PATH), runs the
// selected checks and returns the report. Never throws. When a check times
// out, `on_timeout` receives the report so far (the caller prints it) and the
// process then _exits with kExitFailed: the stuck thread holds the plugin.
Report runSuite(const std::string& path, const RunOptions& options,
                const std::function<void(const Report&)>& on_timeout);

// The text layout; `load_steps` also prints every load step.
void renderText(std::ostream& out, const Report& report, bool load_steps);
// The check list (--list).
void renderList(std::ostream& out);
// Prints JSON, replacing invalid UTF-8 (plugin text) with U+FFFD.
void printJson(std::ostream& out, const nlohmann::json& json);
// The same on one line, as a string (for messages); never throws on bad UTF-8.
std::string jsonText(const nlohmann::json& json);

}  // namespace mtia_conformance
