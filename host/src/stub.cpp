// stub.cpp — the "no backend" behaviour and the host's error types.
#include <mtia/errors.h>
#include <mtia/hooks.h>
#include <mtia/loader.h>
#include <mtia/plugin_abi.h>

#include <ostream>
#include <string_view>

namespace mtia {

void MTIAHooksInterface::fail(const char* func) const {
  std::string message = std::string("Cannot execute ") + func + "() without MTIA backend.";
  if (!reason_.empty()) message += " " + reason_;
  throw Error(message);
}

const char* statusName(int32_t code) noexcept {
  switch (code) {
    case MTIA_STATUS_OK: return "OK";
    case MTIA_STATUS_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case MTIA_STATUS_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
    case MTIA_STATUS_NOT_SUPPORTED: return "NOT_SUPPORTED";
    case MTIA_STATUS_INVALID_STATE: return "INVALID_STATE";
    case MTIA_STATUS_NOT_FOUND: return "NOT_FOUND";
    case MTIA_STATUS_VERSION_MISMATCH: return "VERSION_MISMATCH";
    case MTIA_STATUS_INTERNAL: return "INTERNAL";
    case MTIA_STATUS_UNAVAILABLE: return "UNAVAILABLE";
    default: return "UNKNOWN_STATUS";
  }
}

std::string statusLabel(int32_t code) {
  const char* name = statusName(code);
  if (std::string_view(name) != "UNKNOWN_STATUS") return name;
  return "unknown status " + std::to_string(code);
}

PluginError::PluginError(std::string hook, std::string plugin, int32_t code, std::string message)
    : Error(hook + "() failed in MTIA plugin '" + plugin + "': " + message + " (" +
            statusLabel(code) + ")"),
      hook_(std::move(hook)),
      plugin_(std::move(plugin)),
      code_(code),
      message_(std::move(message)) {}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  os << (d.type() == DeviceType::MTIA ? "mtia" : "cpu");
  if (d.has_index()) os << ':' << static_cast<int>(d.index());
  return os;
}

std::ostream& operator<<(std::ostream& os, const Stream& s) {
  return os << "stream " << s.id() << " on device " << s.device();
}

}  // namespace mtia
