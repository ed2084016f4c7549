// mtia/errors.h — the exceptions the host throws.
#pragma once

#include <mtia/export.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace mtia {

// Every error the host raises derives from this (PyTorch's c10::Error role).
class MTIA_HOST_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A hook failed inside the plugin, or the plugin lacks the hook's slot.
// what(): "<hook>() failed in MTIA plugin '<plugin>': <message> (<CODE>)",
// <CODE> as statusLabel() writes it.
class MTIA_HOST_API PluginError : public Error {
 public:
  PluginError(std::string hook, std::string plugin, int32_t code, std::string message);
  const std::string& hook() const noexcept { return hook_; }
  const std::string& plugin() const noexcept { return plugin_; }
  int32_t code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

 private:
  std::string hook_, plugin_;
  int32_t code_;
  std::string message_;
};

// Name of a status code from plugin_abi.h ("INVALID_ARGUMENT", ...);
// "UNKNOWN_STATUS" for a code outside the known set.
MTIA_HOST_API const char* statusName(int32_t code) noexcept;

// statusName(code), but a code outside the known set keeps its number:
// "unknown status 42".
MTIA_HOST_API std::string statusLabel(int32_t code);

}  // namespace mtia
