#include "validation.h"

#include "negotiation.h"
#include "step.h"
#include "text.h"

#include <mtia/loader.h>

#include <algorithm>
#include <cstring>

namespace mtia::detail {

namespace {

// Table size by minor version: append a line for each new minor.
constexpr std::size_t kTableSizeByMinor[] = {
    MTIA_PLUGIN_API_SIZE_1_0,  // 1.0
    MTIA_PLUGIN_API_SIZE_1_1,  // 1.1
    MTIA_PLUGIN_API_SIZE_1_2,  // 1.2
};
static_assert(sizeof(kTableSizeByMinor) / sizeof(kTableSizeByMinor[0]) == kHostAbiMaxMinor + 1,
              "one table size per minor version the host knows");

struct RequiredSlot {
  const char* name;
  bool (*present)(const mtia_plugin_api_t&);
};

#define MTIA_REQUIRED_SLOT(slot) \
  RequiredSlot { #slot, [](const mtia_plugin_api_t& t) { return t.slot != nullptr; } }

// The slots without which the host cannot work at all.
const RequiredSlot kRequiredSlots[] = {
    MTIA_REQUIRED_SLOT(get_last_error),
    MTIA_REQUIRED_SLOT(device_count),
    MTIA_REQUIRED_SLOT(set_current_device),
    MTIA_REQUIRED_SLOT(get_current_device),
};

#undef MTIA_REQUIRED_SLOT

}  // namespace

std::size_t requiredTableSize(uint32_t minor) noexcept {
  return minor <= kHostAbiMaxMinor ? kTableSizeByMinor[minor] : sizeof(mtia_plugin_api_t);
}

void validateTable(const mtia_plugin_api_t& table) {
  const std::size_t required = requiredTableSize(table.abi_minor);
  if (table.struct_size < required) {
    throw StepFailure("the function table's struct_size is " + std::to_string(table.struct_size) +
                      " bytes, smaller than the " + std::to_string(required) + " bytes that ABI " +
                      abiVersion(table.abi_major, table.abi_minor) + " requires");
  }
  if (table.plugin_name == nullptr || table.plugin_name[0] == '\0') {
    throw StepFailure("the function table has no plugin_name");
  }
  const auto tooLong = [](const char* text) {
    return text != nullptr && strnlen(text, kMaxPluginNameBytes + 1) > kMaxPluginNameBytes;
  };
  if (tooLong(table.plugin_name) || tooLong(table.plugin_version)) {
    throw StepFailure(std::string("the function table's ") +
                      (tooLong(table.plugin_name) ? "plugin_name" : "plugin_version") +
                      " is longer than " + std::to_string(kMaxPluginNameBytes) + " bytes");
  }
  for (const RequiredSlot& slot : kRequiredSlots) {
    if (!slot.present(table)) {
      throw StepFailure(std::string("required slot '") + slot.name + "' is NULL");
    }
  }
}

mtia_plugin_api_t copyTable(const mtia_plugin_api_t& table) noexcept {
  mtia_plugin_api_t copy;
  std::memset(&copy, 0, sizeof(copy));
  // Slots beyond the plugin's declared minor stay NULL, whatever its struct_size.
  std::memcpy(&copy, &table, std::min(table.struct_size, requiredTableSize(table.abi_minor)));
  copy.struct_size = sizeof(copy);
  return copy;
}

}  // namespace mtia::detail
