#include "failure.h"

#include "escaped.h"
#include "text.h"

#include <mtia/errors.h>

namespace mtia::detail {

PluginFailure lastFailure(mtia_status_t (*get_last_error)(const char**), mtia_status_t returned) {
  const char* message = nullptr;
  mtia_status_t last = MTIA_STATUS_OK;
  // Status codes are never negative: a negative "status" (e.g. the stand-ins
  // after unload, which return -1 from every slot) is an in-band signal.
  if (returned < 0) returned = MTIA_STATUS_OK;
  const int32_t code = returned != MTIA_STATUS_OK ? returned : MTIA_STATUS_INTERNAL;
  try {
    last = get_last_error(&message);
  } catch (...) {
    return {code, escapedException("get_last_error()")};
  }
  static constexpr const char* kUnset = "the plugin reported a failure but set no error";
  if (last == MTIA_STATUS_OK) return {code, kUnset};
  if (returned != MTIA_STATUS_OK && last != returned) {
    return {code, std::string(kUnset) + " (its last error, " + statusLabel(last) +
                      ", is left over from an earlier call)"};
  }
  if (message == nullptr || *message == '\0') {
    return {last, "the plugin reported " + statusLabel(last) + " without a message"};
  }
  return {last, pluginText(message)};
}

}  // namespace mtia::detail
