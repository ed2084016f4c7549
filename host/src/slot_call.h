// slot_call.h — the host's one way to call plugin code that can fail, for the
// adapter's hooks and the loader's steps alike.
//
// callSlot(failures, hook, fn, args...) calls fn(args...); an exception the
// plugin lets escape (an ABI violation) is reported through `failures`.
// checkSlot() also treats a non-OK status as a failure, described by the
// plugin's last error (failure.h: the same fallback text everywhere when the
// plugin set none). Both cost nothing when nothing fails.
//
// `failures` says what a failure becomes: any type with escaped(hook)
// (called inside a catch block) and raiseLastError(hook, returned), both
// [[noreturn]]; the failure's text is the plugin's last error (failure.h):
//   HookFailures   PluginError(hook, plugin, code, message): what a hook throws
//                  ("<hook>() failed in MTIA plugin '<plugin>': <message> (<CODE>)");
//                  the adapter (PluginHooks) forwards to it, so that a hot
//                  getter passes only its `this`: nothing is built before the call;
//   StepFailures   StepFailure("<slot>() returned <CODE>: <message>") or
//                  StepFailure("<slot>() let a C++ exception escape ..."): the
//                  cause of a failed load step (the LoadError names the path).
#pragma once

#include "failure.h"

#include <mtia/plugin_abi.h>

#include <cstdint>
#include <string>

namespace mtia::detail {

using LastErrorFn = mtia_status_t (*)(const char**);

class HookFailures {
 public:
  HookFailures(const std::string& plugin, LastErrorFn get_last_error) noexcept
      : plugin_(plugin), get_last_error_(get_last_error) {}
  [[noreturn]] void escaped(const char* hook) const;
  // `returned`: the status the slot returned, MTIA_STATUS_OK for an in-band failure.
  [[noreturn]] void raiseLastError(const char* hook, mtia_status_t returned) const;
  [[noreturn]] void raise(const char* hook, int32_t code, const std::string& message) const;

 private:
  const std::string& plugin_;
  LastErrorFn get_last_error_;
};

class StepFailures {
 public:
  explicit StepFailures(LastErrorFn get_last_error = nullptr) noexcept
      : get_last_error_(get_last_error) {}
  [[noreturn]] void escaped(const char* slot) const;
  [[noreturn]] void raiseLastError(const char* slot, mtia_status_t returned) const;

 private:
  LastErrorFn get_last_error_;
};

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
void checkSlot(const Failures& failures, const char* hook, Fn fn, Args... args) {
  const mtia_status_t status = callSlot(failures, hook, fn, args...);
  if (status != MTIA_STATUS_OK) failures.raiseLastError(hook, status);
}

}  // namespace mtia::detail
