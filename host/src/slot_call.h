// slot_call.h — the host's one way to call plugin code that can fail, for the
// adapter's hooks and the loader's steps alike.
//
// callSlot(failures, hook, fn, args...) calls fn(args...); an exception the
// plugin lets escape (an ABI violation) is reported through `failures`.
// checkSlot() also treats a non-OK status as a failure, described by the
// plugin's last error (failure.h: the same fallback text everywhere when the
// plugin set none). Both cost nothing when nothing fails.
//
// `failures` says what a failure becomes:
//   HookFailures   PluginError(hook, plugin, code, message): what a hook throws
//                  ("<hook>() failed in MTIA plugin '<plugin>': <message> (<CODE>)");
//   StepFailures   StepFailure("<slot>() returned <CODE>: <message>") or
//                  StepFailure("<slot>() let a C++ exception escape ..."): the
//                  cause of a failed load step (the LoadError names the path).
#pragma once

#include "failure.h"

#include <mtia/plugin_abi.h>

#include <cstdint>
#include <string>

namespace mtia::detail {

class HookFailures {
 public:
  explicit HookFailures(const std::string& plugin) noexcept : plugin_(plugin) {}
  // Inside a catch block: PluginError(INTERNAL) describing the exception.
  [[noreturn]] void escaped(const char* hook) const;
  [[noreturn]] void failed(const char* hook, int32_t code, const std::string& message) const;

 private:
  const std::string& plugin_;
};

struct StepFailures {
  [[noreturn]] void escaped(const char* slot) const;
  [[noreturn]] void failed(const char* slot, int32_t code, const std::string& message) const;
};

// The plugin's last error for a failure of `hook` (`returned`: the status the
// slot returned, MTIA_STATUS_OK for an in-band failure), through `failures`.
template <class Failures>
[[noreturn]] void failWithLastError(const Failures& failures,
                                    mtia_status_t (*get_last_error)(const char**),
                                    const char* hook, mtia_status_t returned) {
  const PluginFailure failure = lastFailure(get_last_error, returned);
  failures.failed(hook, failure.code, failure.message);
}

template <class Failures, class Fn, class... Args>
auto callSlot(const Failures& failures, const char* hook, Fn fn, Args... args)
    -> decltype(fn(args...)) {
  try {
    return fn(args...);
  } catch (...) {
    failures.escaped(hook);
  }
}

template <class Failures, class Fn, class... Args>
void checkSlot(const Failures& failures, mtia_status_t (*get_last_error)(const char**),
               const char* hook, Fn fn, Args... args) {
  const mtia_status_t status = callSlot(failures, hook, fn, args...);
  if (status != MTIA_STATUS_OK) failWithLastError(failures, get_last_error, hook, status);
}

}  // namespace mtia::detail
