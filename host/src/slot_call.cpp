#include "slot_call.h"

#include "escaped.h"
#include "step.h"

#include <mtia/errors.h>

namespace mtia::detail {

void HookFailures::escaped(const char* hook) const {
  failed(hook, MTIA_STATUS_INTERNAL, escapedException("the plugin"));
}

void HookFailures::failed(const char* hook, int32_t code, const std::string& message) const {
  throw PluginError(hook, plugin_, code, message);  // message: host text or made safe (text.h)
}

void StepFailures::escaped(const char* slot) const {
  throw StepFailure(escapedException(std::string(slot) + "()"));
}

void StepFailures::failed(const char* slot, int32_t code, const std::string& message) const {
  throw StepFailure(std::string(slot) + "() returned " + statusLabel(code) + ": " + message);
}

}  // namespace mtia::detail
