// fuzz_manifest — parseManifest() on arbitrary text: it either returns a
// manifest that satisfies the loader's assumptions or throws StepFailure.
// Anything else (another exception, a crash, a sanitizer report) is a bug.
#include "manifest.h"
#include "negotiation.h"
#include "step.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const mtia::detail::Manifest m = mtia::detail::parseManifest(text, "/opt/mtia");
    // The library path is absolute, has no NUL, and the ABI is one the host serves.
    if (m.library.empty() || m.library.front() != '/') __builtin_trap();
    if (m.library.find('\0') != std::string::npos) __builtin_trap();
    if (m.abi_major != mtia::detail::kHostAbiMajor) __builtin_trap();
    if (m.file_format_version.empty() || m.file_format_version.front() != '1') __builtin_trap();
  } catch (const mtia::detail::StepFailure&) {
    // A specific, reported problem: fine.
  }
  return 0;
}
