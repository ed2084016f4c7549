// validation.h — the validate step: the table is as large as its version
// claims and every required slot is present.
#pragma once

#include <mtia/plugin_abi.h>

#include <cstddef>

namespace mtia::detail {

// Smallest struct_size a table claiming `minor` may have, for minors this
// host knows; beyond them, the host's own sizeof(mtia_plugin_api_t).
std::size_t requiredTableSize(uint32_t minor) noexcept;

// Throws StepFailure naming the first problem.
void validateTable(const mtia_plugin_api_t& table);

// The host's view of the table: the plugin's first struct_size bytes, zero
// beyond (slots the plugin is too old to have are NULL).
mtia_plugin_api_t copyTable(const mtia_plugin_api_t& table) noexcept;

}  // namespace mtia::detail
