// security.h — the security step: who could change the file before dlopen runs
// its code. Each rule can be waived by name through MTIA_PLUGIN_ALLOW_INSECURE
// (comma-separated); a waiver is logged at warning level every time a load
// uses it (logWaivers(); discovery's vetting of candidates logs nothing).
//
//   file-writable  the file is writable by its group or by others
//   file-owner     the file is owned by neither root nor the effective user
//   dir-writable   the file's directory is writable by others
//   dir-owner      the file's directory is owned by neither root nor the effective user
#pragma once

#include <mtia/loader.h>

#include <string>
#include <vector>

namespace mtia::detail {

inline constexpr const char* kAllowInsecureVariable = "MTIA_PLUGIN_ALLOW_INSECURE";

struct SecurityVerdict {
  std::string detail;                // modes and owners found, and any waived rule
  std::vector<std::string> waivers;  // "<rule> waives ...: <problem>", one per waived rule
  bool waived() const { return !waivers.empty(); }
};

// Checks the rules for the regular file at `resolved` (a realpath). Throws
// StepFailure naming the first rule that fails and is not waived, or an
// unknown rule name in MTIA_PLUGIN_ALLOW_INSECURE.
SecurityVerdict checkSecurity(const LoadEnvironment& env, const std::string& resolved);

// Logs each waiver of `verdict` at warning level (the load step that uses it).
void logWaivers(const SecurityVerdict& verdict);

}  // namespace mtia::detail
