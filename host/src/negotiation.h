// negotiation.h — the query and negotiate steps: ask the entry point for the
// table and check that its ABI version is one this host speaks.
#pragma once

#include <mtia/plugin_abi.h>

#include <cstdint>
#include <string>

namespace mtia::detail {

// The ABI versions a host serves: major equal, minor in [min_minor, max_minor]
// (a newer minor is served too: the host ignores the slots it does not know).
struct AbiWindow {
  uint32_t major;
  uint32_t min_minor;
  uint32_t max_minor;
};

inline constexpr uint32_t kHostAbiMajor = MTIA_PLUGIN_ABI_MAJOR;
inline constexpr uint32_t kHostAbiMinMinor = 0;
inline constexpr uint32_t kHostAbiMaxMinor = MTIA_PLUGIN_ABI_MINOR;

constexpr AbiWindow hostAbiWindow() noexcept {
  return {kHostAbiMajor, kHostAbiMinMinor, kHostAbiMaxMinor};
}

// "1.0-1.3".
std::string abiWindowText(const AbiWindow& window);

// "" when a plugin declaring ABI major.minor can be served; otherwise
// "this host supports <window>: <what to rebuild or upgrade>".
std::string abiIncompatibility(uint32_t major, uint32_t minor, const AbiWindow& window);

// The query step: calls the entry point; throws StepFailure when it fails or
// returns no table.
const mtia_plugin_api_t* queryTable(mtia_plugin_get_api_fn entry, const mtia_host_services_t& host);

// The negotiate step: throws StepFailure unless the table's version is inside
// the window.
void negotiateVersion(const mtia_plugin_api_t& table, const AbiWindow& window = hostAbiWindow());

}  // namespace mtia::detail
