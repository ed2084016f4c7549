#include "slot_call.h"

#include "escaped.h"
#include "step.h"

#include <mtia/errors.h>

namespace mtia::detail {

void HookFailures::escaped(const char* hook) const {
  raise(hook, MTIA_STATUS_INTERNAL, escapedException("the plugin"));
}

void HookFailures::raiseLastError(const char* hook, mtia_status_t returned) const {
  const PluginFailure failure = lastFailure(get_last_error_, returned);
  raise(hook, failure.code, failure.message);
}

void HookFailures::raise(const char* hook, int32_t code, const std::string& message) const {
  throw PluginError(hook, plugin_, code, message);  // message: host text or made safe (text.h)
}

void StepFailures::escaped(const char* slot) const {
  throw StepFailure(escapedException(std::string(slot) + "()"));
}

void StepFailures::raiseLastError(const char* slot, mtia_status_t returned) const {
  const PluginFailure failure = lastFailure(get_last_error_, returned);
  throw StepFailure(std::string(slot) + "() returned " + statusLabel(failure.code) + ": " +
                    failure.message);
}

}  // namespace mtia::detail
