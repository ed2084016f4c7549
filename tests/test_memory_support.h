// test_memory_support.h — helpers shared by the memory tests.
#pragma once

#include "test_support.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace mtia_test {

// The sample plugin, loaded for one test case.
struct SamplePlugin {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(samplePluginPath());

  nlohmann::json dram(int device = 0) const {
    return hooks.memoryStats(static_cast<mtia::DeviceIndex>(device))["dram"];
  }
  uint64_t stat(const char* name, int device = 0) const {
    return dram(device)[name].get<uint64_t>();
  }
  void* alloc(size_t bytes, int device = 0) const {
    return hooks.deviceAlloc(static_cast<mtia::DeviceIndex>(device), bytes);
  }
};

inline constexpr size_t KiB = size_t{1} << 10;
inline constexpr size_t MiB = size_t{1} << 20;

// The block size docs/memory.md documents for a request: the next multiple of 512.
inline size_t documentedBlockSize(size_t bytes) { return (bytes + 511) / 512 * 512; }

// A pointer as the plugin's messages print it.
inline std::string hexAddress(const void* p) {
  char text[32];
  std::snprintf(text, sizeof(text), "0x%llx",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(p)));
  return text;
}

inline std::string pluginError(const std::string& hook, const std::string& message,
                               const std::string& code) {
  return hook + "() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': " + message + " (" + code + ")";
}

}  // namespace mtia_test
