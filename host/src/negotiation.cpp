#include "negotiation.h"

#include "sink.h"
#include "slot_call.h"
#include "step.h"
#include "text.h"

#include <mtia/errors.h>
#include <mtia/loader.h>

#include <string>

namespace mtia::detail {

std::string abiWindowText(const AbiWindow& window) {
  return abiVersion(window.major, window.min_minor) + "-" + abiVersion(window.major, window.max_minor);
}

std::string abiIncompatibility(uint32_t major, uint32_t minor, const AbiWindow& window) {
  const std::string prefix = "this host supports " + abiWindowText(window) + ": ";
  if (major > window.major) {
    return prefix + "rebuild the plugin against plugin_abi " + std::to_string(window.major) +
           ".x or upgrade the host";
  }
  if (major < window.major || minor < window.min_minor) {
    return prefix + "the plugin is too old; rebuild it against plugin_abi " +
           abiVersion(window.major, window.max_minor);
  }
  return "";
}

const mtia_plugin_api_t* queryTable(mtia_plugin_get_api_fn entry, const mtia_host_services_t& host) {
  StringSink error(kMaxPluginMessageBytes);
  error.describe("error text");
  const mtia_plugin_api_t* table = nullptr;
  const mtia_status_t status =
      callSlot(StepFailures(), MTIA_PLUGIN_ENTRY_SYMBOL, entry, &host, &table, error.sink());
  if (status != MTIA_STATUS_OK) {
    const std::string problem = error.problem();
    const std::string text = pluginText(error.text());
    throw StepFailure(std::string(MTIA_PLUGIN_ENTRY_SYMBOL "() returned ") + statusLabel(status) +
                      (!problem.empty() ? " (" + problem + ")"
                       : text.empty()   ? std::string(" without a message")
                                        : ": " + text));
  }
  if (table == nullptr) {
    throw StepFailure(MTIA_PLUGIN_ENTRY_SYMBOL "() returned OK but no function table");
  }
  return table;
}

void negotiateVersion(const mtia_plugin_api_t& table, const AbiWindow& window) {
  const std::string problem = abiIncompatibility(table.abi_major, table.abi_minor, window);
  if (!problem.empty()) {
    throw StepFailure("plugin implements MTIA plugin ABI " +
                      abiVersion(table.abi_major, table.abi_minor) + "; " + problem);
  }
}

}  // namespace mtia::detail
