// negotiation.h — the query and negotiate steps: ask the entry point for the
// table and check that its ABI version is one this host speaks.
#pragma once

#include <mtia/plugin_abi.h>

#include <cstdint>
#include <string>

namespace mtia::detail {

// The host's ABI window: major must be equal, minor in [kMinMinor, kMaxMinor].
inline constexpr uint32_t kHostAbiMajor = MTIA_PLUGIN_ABI_MAJOR;
inline constexpr uint32_t kHostAbiMinMinor = 0;
inline constexpr uint32_t kHostAbiMaxMinor = MTIA_PLUGIN_ABI_MINOR;

// Calls the entry point; throws LoadError(Query) when it fails or returns no table.
const mtia_plugin_api_t* queryTable(mtia_plugin_get_api_fn entry, const mtia_host_services_t& host,
                                    const std::string& path);

// Throws LoadError(Negotiate) unless the table's version is inside the window.
void negotiateVersion(const mtia_plugin_api_t& table, const std::string& path);

}  // namespace mtia::detail
