// mtia_info.h — the parts of mtia-info, one concern per file:
//   main.cpp      the command line
//   describe.cpp  what a loaded plugin and its devices look like (a JSON model)
//   render.cpp    the aligned text layout of the description
// --check is the conformance library's quick subset (conformance/suite.h),
// which also defines the exit codes of both tools.
#pragma once

#include <mtia/errors.h>
#include <mtia/hooks.h>
#include <mtia/loader.h>
#include <mtia/plugin_abi.h>

#include <nlohmann/json.hpp>

#include "suite.h"

#include <exception>
#include <iosfwd>
#include <optional>
#include <string>

namespace mtia_info {

using mtia_conformance::kExitFailed;
using mtia_conformance::kExitLoadFailed;
using mtia_conformance::kExitNoPlugin;
using mtia_conformance::kExitOk;
using mtia_conformance::kExitUsage;

// What one hook call of the description gave.
enum class Field { Ok, NotImplemented, Failed };

struct Outcome {
  Field field = Field::Ok;
  std::string detail;  // the result's summary, or the error message
};

// Runs fn (returning a std::string summary). A PluginError with NOT_SUPPORTED
// (an absent slot, or the plugin declining) is "not implemented"; any other
// exception is a failure carrying its message.
template <class Fn>
Outcome attempt(Fn&& fn) {
  try {
    return {Field::Ok, fn()};
  } catch (const mtia::PluginError& e) {
    return {e.code() == MTIA_STATUS_NOT_SUPPORTED ? Field::NotImplemented : Field::Failed,
            e.what()};
  } catch (const std::exception& e) {
    return {Field::Failed, e.what()};
  } catch (...) {
    return {Field::Failed, "the hook ended with an exception of unknown type"};
  }
}

inline constexpr const char* kNotImplemented = "not implemented by the plugin";

// {"plugin": {...}, "device_count": N, "devices": [...]}; see describe.cpp.
nlohmann::json describe(const mtia::MTIAHooksInterface& hooks);
// True when the description records a failed hook.
bool hasErrors(const nlohmann::json& description);

void renderDescription(std::ostream& out, const nlohmann::json& description);

}  // namespace mtia_info
