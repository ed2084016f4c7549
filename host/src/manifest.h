// manifest.h — the manifest step: a JSON file that names the plugin library.
//
//   {"file_format_version": "1.0.0",
//    "plugin": {"library_path": "libmtia_x.so", "abi_version": "1.0", "priority": 0}}
//
// "priority" (optional, an int32, default 0) ranks the manifests discovery
// finds (discovery_search.h); a manifest given by path ignores it.
// file_format_version must be 1.x.y; unknown members are ignored (later 1.x
// formats only add members). A relative library_path is resolved against the
// manifest's own (real) directory, never searched for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mtia::detail {

inline constexpr std::size_t kMaxManifestBytes = 64 * 1024;

struct Manifest {
  std::string file_format_version;
  std::string library_path;  // as written
  std::string library;       // absolute: library_path, or <directory>/<library_path>
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  int32_t priority = 0;
};

// Parses and checks manifest text (at most kMaxManifestBytes), including that
// the declared ABI is one this host speaks. `directory` resolves a relative
// library_path. Throws StepFailure with the problem.
Manifest parseManifest(std::string_view text, const std::string& directory);

// Reads the manifest file at `path` (a realpath); throws StepFailure.
std::string readManifestFile(const std::string& path);

}  // namespace mtia::detail
