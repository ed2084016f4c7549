// An application that uses the MTIA hooks: it lists the devices of the plugin
// named by MTIA_PLUGIN_PATH, makes each one current, and shows how failures
// and missing hooks surface; with --round-trip it also sends bytes through
// device 0's memory and back. docs/host-guide.md walks through this file.
#include <mtia/errors.h>
#include <mtia/exec.h>        // mtia::StreamExec ("mtia.exec/1")
#include <mtia/hooks.h>
#include <mtia/loader.h>      // mtia::PluginInfo
#include <mtia/plugin_abi.h>  // MTIA_STATUS_* codes

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const bool round_trip = argc > 1 && std::string(argv[1]) == "--round-trip";
  // The process-wide hooks. The first call loads MTIA_PLUGIN_PATH, once;
  // later calls are a single atomic load.
  const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
  if (!hooks.isAvailable()) {
    // Without a loadable plugin every hook behaves like PyTorch's stub, and
    // unavailableReason() says why (not configured, or which step failed). A
    // plugin that loaded leaves it empty: it has no available device.
    const std::string& reason = hooks.unavailableReason();
    std::cerr << "no MTIA backend: "
              << (reason.empty() ? "the plugin loaded but reports no available device" : reason)
              << "\n";
    return 1;
  }
  const mtia::PluginInfo& plugin = *hooks.pluginInfo();
  std::cout << "plugin " << plugin.name << " " << plugin.version << " with "
            << static_cast<int>(hooks.deviceCount()) << " devices\n";

  try {
    for (mtia::DeviceIndex d = 0; d < hooks.deviceCount(); ++d) {
      // Current device and current stream are per thread, as in CUDA.
      hooks.setCurrentDevice(d);
      const mtia::Stream stream = hooks.getCurrentStream(-1);  // -1: the current device
      const nlohmann::json properties = hooks.getDeviceProperties(d);
      std::cout << "device " << static_cast<int>(d) << ": "
                << properties.value("name", "(unnamed)") << ", current " << stream << "\n";
      hooks.deviceSynchronize(d);
    }

    // Bytes through device memory and back, on device 0's current stream
    // (when the plugin implements "mtia.exec/1").
    if (round_trip) {
      try {
        const mtia::StreamExec exec(hooks);
        std::vector<uint8_t> out(4096), back(out.size());
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 7 + 3);
        void* device = hooks.deviceAlloc(0, out.size());
        const mtia::Stream stream = hooks.getCurrentStream(0);
        exec.memcpy(stream, device, out.data(), out.size(), mtia::MemcpyKind::HostToDevice);
        exec.memcpy(stream, back.data(), device, back.size(), mtia::MemcpyKind::DeviceToHost);
        exec.synchronize(stream);  // host memory is borrowed until the copies have run
        hooks.deviceFree(device);
        if (back != out) {
          std::cerr << "device 0 returned different bytes\n";
          return 1;
        }
        std::cout << "device 0: " << out.size() << " bytes round-tripped through device memory\n";
      } catch (const mtia::PluginError& e) {
        if (e.code() != MTIA_STATUS_NOT_SUPPORTED) throw;
        std::cout << "stream work: not implemented by " << e.plugin() << "\n";
      }
    }

    // A failing hook throws mtia::PluginError naming the hook, the plugin,
    // the plugin's message and the status code.
    try {
      hooks.setCurrentDevice(hooks.deviceCount());  // one past the last device
    } catch (const mtia::PluginError& e) {
      std::cout << "as expected: " << e.what() << "\n";
    }

    // An optional hook the plugin does not implement throws PluginError
    // with code MTIA_STATUS_NOT_SUPPORTED: test for it, don't crash.
    try {
      const nlohmann::json stats = hooks.memoryStats(0);
      std::cout << "device 0 has " << stats["dram"]["allocated_bytes"] << " bytes allocated\n";
    } catch (const mtia::PluginError& e) {
      if (e.code() != MTIA_STATUS_NOT_SUPPORTED) throw;
      std::cout << "memory stats: not implemented by " << e.plugin() << "\n";
    }
  } catch (const mtia::Error& e) {  // every error the host raises derives from mtia::Error
    std::cerr << "MTIA error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
