#include "negotiation.h"

#include <mtia/errors.h>
#include <mtia/loader.h>

#include <string>

namespace mtia::detail {

namespace {

void appendToString(void* user_data, const char* data, size_t size) {
  try {
    static_cast<std::string*>(user_data)->append(data, size);
  } catch (...) {
    // Losing part of an error text is better than an exception in the plugin.
  }
}

std::string hostWindow() {
  return std::to_string(kHostAbiMajor) + "." + std::to_string(kHostAbiMinMinor) + "-" +
         std::to_string(kHostAbiMajor) + "." + std::to_string(kHostAbiMaxMinor);
}

}  // namespace

const mtia_plugin_api_t* queryTable(mtia_plugin_get_api_fn entry, const mtia_host_services_t& host,
                                    const std::string& path) {
  std::string error_text;
  const mtia_sink_t sink{&error_text, &appendToString};
  const mtia_plugin_api_t* table = nullptr;
  const mtia_status_t status = entry(&host, &table, &sink);
  if (status != MTIA_STATUS_OK) {
    throw LoadError(LoadStep::Query, path,
                    std::string(MTIA_PLUGIN_ENTRY_SYMBOL "() returned ") + statusName(status) +
                        (error_text.empty() ? std::string(" without a message")
                                            : ": " + error_text));
  }
  if (table == nullptr) {
    throw LoadError(LoadStep::Query, path,
                    MTIA_PLUGIN_ENTRY_SYMBOL "() returned OK but no function table");
  }
  return table;
}

void negotiateVersion(const mtia_plugin_api_t& table, const std::string& path) {
  const std::string plugin_version =
      std::to_string(table.abi_major) + "." + std::to_string(table.abi_minor);
  const std::string prefix = "plugin implements MTIA plugin ABI " + plugin_version +
                             "; this host supports " + hostWindow() + ": ";
  if (table.abi_major > kHostAbiMajor) {
    throw LoadError(LoadStep::Negotiate, path,
                    prefix + "rebuild the plugin against plugin_abi " +
                        std::to_string(kHostAbiMajor) + ".x or upgrade the host");
  }
  if (table.abi_major < kHostAbiMajor || table.abi_minor < kHostAbiMinMinor) {
    throw LoadError(LoadStep::Negotiate, path,
                    prefix + "the plugin is too old; rebuild it against plugin_abi " +
                        std::to_string(kHostAbiMajor) + "." + std::to_string(kHostAbiMaxMinor));
  }
  // A newer minor is fine: the host ignores the slots it does not know.
}

}  // namespace mtia::detail
