// mtia-info — loads the plugin named by MTIA_PLUGIN_PATH (or given with
// --plugin PATH) and prints what it found: the plugin, its ABI version, and
// per device its capability, properties and current stream.
//
// Exit codes: 0 plugin loaded and queried; 1 a hook failed; 2 usage;
// 3 no plugin configured; 4 the plugin failed to load.
#include <mtia/errors.h>
#include <mtia/hooks.h>
#include <mtia/loader.h>

#include <cstring>
#include <iostream>
#include <memory>
#include <string>

namespace {

constexpr int kExitHookFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNoPlugin = 3;
constexpr int kExitLoadFailed = 4;

void usage(std::ostream& os) {
  os << "usage: mtia-info [--plugin PATH]\n"
        "  Prints the MTIA plugin named by MTIA_PLUGIN_PATH (or PATH) and its devices.\n";
}

void printDevices(const mtia::MTIAHooksInterface& hooks) {
  const mtia::PluginInfo* info = hooks.pluginInfo();
  std::cout << "plugin:        " << info->name << " " << info->version << "\n"
            << "path:          " << info->resolved_path << "\n"
            << "ABI:           plugin " << info->abi_major << "." << info->abi_minor << ", host "
            << info->abi_major << "." << info->host_abi_minor << "\n";
  const int count = hooks.deviceCount();
  std::cout << "devices:       " << count << "\n";
  for (int i = 0; i < count; ++i) {
    const auto d = static_cast<mtia::DeviceIndex>(i);
    const nlohmann::json cap = hooks.getDeviceCapability(d);
    const nlohmann::json props = hooks.getDeviceProperties(d);
    const mtia::Stream stream = hooks.getCurrentStream(d);
    std::cout << "\ndevice " << i << "\n"
              << "  capability:      " << cap["major"] << "." << cap["minor"] << "\n"
              << "  current stream:  " << stream.id()
              << (stream.id() == mtia::Stream::DEFAULT ? " (default)" : "") << "\n"
              << "  properties:\n";
    for (const auto& [key, value] : props.items()) {
      std::cout << "    " << key << std::string(key.size() < 22 ? 22 - key.size() : 1, ' ')
                << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string plugin_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--plugin") == 0 && i + 1 < argc) {
      plugin_path = argv[++i];
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      usage(std::cout);
      return 0;
    } else {
      std::cerr << "mtia-info: unknown argument '" << argv[i] << "'\n";
      usage(std::cerr);
      return kExitUsage;
    }
  }

  try {
    std::unique_ptr<mtia::PluginLoader> loader;
    const mtia::MTIAHooksInterface* hooks = nullptr;
    if (!plugin_path.empty()) {
      loader = std::make_unique<mtia::PluginLoader>();
      try {
        hooks = &loader->load(plugin_path);
      } catch (const mtia::LoadError& e) {
        std::cerr << "mtia-info: " << e.what() << "\n";
        return kExitLoadFailed;
      }
    } else {
      const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
      if (!status.configured) {
        std::cerr << "mtia-info: " << status.reason << "\n"
                  << "  e.g. MTIA_PLUGIN_PATH=/path/to/libmtia_sample_plugin.so mtia-info\n";
        return kExitNoPlugin;
      }
      if (!status.loaded) {
        std::cerr << "mtia-info: " << status.reason << "\n";
        return kExitLoadFailed;
      }
      hooks = &mtia::getMTIAHooks();
    }
    printDevices(*hooks);
    return 0;
  } catch (const mtia::Error& e) {
    std::cerr << "mtia-info: " << e.what() << "\n";
    return kExitHookFailed;
  }
}
