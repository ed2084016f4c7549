// escaped.h — describing a C++ exception that a plugin let escape into the
// host (a violation of the ABI the host survives when it shares the C++
// runtime). Every crossing into plugin code catches (...) and reports it as
// the failed load step (StepFailure) or as PluginError(INTERNAL) naming the
// hook (PluginHooks::call).
#pragma once

#include <string>

namespace mtia::detail {

// Call only inside a catch block. "<who> let a C++ exception escape into the
// host: <what()> (exceptions must not cross the plugin ABI; catch them inside
// the plugin, e.g. with mtia::plugin::guard)"; for an exception not derived
// from std::exception, "an exception of type '<type>'" stands for <what()>.
// what() is untrusted plugin text (capped, made valid UTF-8).
std::string escapedException(const std::string& who);

// Call only inside a catch block: the exception being handled, as
// escapedException() describes it (what(), or "an exception of type '<type>'").
std::string currentException();

}  // namespace mtia::detail
