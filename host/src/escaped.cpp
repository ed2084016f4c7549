#include "escaped.h"

#include "text.h"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <typeinfo>

namespace mtia::detail {

namespace {

// The demangled type of the exception being handled.
std::string currentExceptionType() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (type == nullptr) return "unknown";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(type->name(), nullptr, nullptr, &status), &std::free);
  return pluginText(status == 0 && name ? name.get() : type->name(), kMaxPluginNameBytes);
}

}  // namespace

std::string currentException() {
  try {
    throw;
  } catch (const std::exception& e) {
    return pluginText(e.what());
  } catch (...) {
    return "an exception of type '" + currentExceptionType() + "'";
  }
}

std::string escapedException(const std::string& who) {
  return who + " let a C++ exception escape into the host: " + currentException() +
         " (exceptions must not cross the plugin ABI; catch them inside the plugin, e.g. with "
         "mtia::plugin::guard)";
}

}  // namespace mtia::detail
