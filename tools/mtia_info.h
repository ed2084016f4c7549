// mtia_info.h — the parts of mtia-info, one concern per file:
//   main.cpp      the command line and the exit codes
//   describe.cpp  what a loaded plugin and its devices look like (a JSON model)
//   check.cpp     --check: the load report and the self-test (a JSON model)
//   render.cpp    the aligned text layout of both models
// --json prints a model as it is; the default prints it through render.cpp.
#pragma once

#include <mtia/errors.h>
#include <mtia/hooks.h>
#include <mtia/loader.h>
#include <mtia/plugin_abi.h>

#include <nlohmann/json.hpp>

#include <exception>
#include <iosfwd>
#include <optional>
#include <string>

namespace mtia_info {

// Exit codes (documented in --help, README and docs/host-guide.md).
enum ExitCode : int {
  kExitOk = 0,          // everything worked (and --check passed)
  kExitFailed = 1,      // a hook failed, or a --check self-test failed
  kExitUsage = 2,       // bad command line
  kExitNoPlugin = 3,    // no plugin configured (MTIA_PLUGIN_PATH unset or empty)
  kExitLoadFailed = 4,  // the plugin failed to load (a load step failed)
};

// The outcome of one hook call, as mtia-info reports it.
enum class Verdict { Ok, NotImplemented, Failed };

struct Outcome {
  Verdict verdict = Verdict::Ok;
  std::string detail;  // the result's summary, or the error message
};

// Runs fn (returning a std::string summary). A PluginError with NOT_SUPPORTED
// (an absent slot, or the plugin declining) is "not implemented"; any other
// exception is a failure carrying its message.
template <class Fn>
Outcome attempt(Fn&& fn) {
  try {
    return {Verdict::Ok, fn()};
  } catch (const mtia::PluginError& e) {
    return {e.code() == MTIA_STATUS_NOT_SUPPORTED ? Verdict::NotImplemented : Verdict::Failed,
            e.what()};
  } catch (const std::exception& e) {
    return {Verdict::Failed, e.what()};
  }
}

inline constexpr const char* kNotImplemented = "not implemented by the plugin";

// {"plugin": {...}, "device_count": N, "devices": [...]}; see describe.cpp.
nlohmann::json describe(const mtia::MTIAHooksInterface& hooks);
// True when the description records a failed hook.
bool hasErrors(const nlohmann::json& description);

// The outcome of --check PATH; see check.cpp.
struct CheckResult {
  mtia::LoadReport load;                // every load step that ran, with its verdict
  nlohmann::json self_test;             // [{"group", "verdict", "checks": [...]}, ...]
  std::optional<std::string> failure;   // the first load step or self-test that failed
  int exit_code = kExitOk;

  // {"load": <LoadReport::toJson()>, "self_test": [...], "result": "pass"|"fail",
  //  "failure": "..." (when failing), "exit_code": N}
  nlohmann::json toJson() const;
};
CheckResult check(const std::string& path);

void renderDescription(std::ostream& out, const nlohmann::json& description);
void renderCheck(std::ostream& out, const CheckResult& result);

}  // namespace mtia_info
