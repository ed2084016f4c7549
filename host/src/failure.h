// failure.h — what the plugin says about a failure it signalled: the code
// and message from get_last_error(), checked against what the slot returned.
#pragma once

#include <mtia/plugin_abi.h>

#include <cstdint>
#include <string>

namespace mtia::detail {

struct PluginFailure {
  int32_t code;
  std::string message;  // untrusted text made safe (text.h)
};

// `returned`: the failure status the slot returned, or MTIA_STATUS_OK for an
// in-band failure (a hot getter's negative result), where only get_last_error
// knows the code; a negative status counts as in-band. The plugin's message is used only when it describes this
// failure; otherwise the message says what is missing:
//   "the plugin reported a failure but set no error"       (get_last_error: OK)
//   "the plugin reported a failure but set no error (its last error, NOT_FOUND,
//    is left over from an earlier call)"                    (a different code)
//   "the plugin reported NOT_FOUND without a message"       (NULL or "")
// A failure without a code is INTERNAL. get_last_error() throwing is
// described as an escaped exception. Never throws but std::bad_alloc.
PluginFailure lastFailure(mtia_status_t (*get_last_error)(const char**), mtia_status_t returned);

}  // namespace mtia::detail
