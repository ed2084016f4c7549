// mtia-info — what MTIA plugin is configured, what its devices look like, and
// (--check PATH) whether a plugin loads and works. Exit codes: mtia_info.h.
#include "mtia_info.h"

#include <mtia/loader.h>

#include <cstring>
#include <iostream>
#include <memory>
#include <string>

namespace {

using namespace mtia_info;

constexpr const char* kUsage =
    "usage: mtia-info [--json] [--plugin PATH]\n"
    "       mtia-info --check PATH [--json]\n"
    "       mtia-info --help | --version\n"
    "\n"
    "Shows the MTIA plugin named by MTIA_PLUGIN_PATH (or by --plugin PATH): its path,\n"
    "name, version and negotiated ABI, then per device its capability, current\n"
    "stream, memory stats and properties.\n"
    "\n"
    "  --json         print the same information as one JSON document\n"
    "  --plugin PATH  load PATH instead of MTIA_PLUGIN_PATH\n"
    "  --check PATH   load PATH step by step, print every load step with its verdict,\n"
    "                 then self-test each hook group the plugin implements\n"
    "\n"
    "environment:\n"
    "  MTIA_PLUGIN_PATH  absolute path of the plugin library\n"
    "  MTIA_LOG_LEVEL    trace, debug, info, warn, error (default), critical, off\n"
    "\n"
    "exit codes:\n"
    "  0  success (--check: every step and self-test passed)\n"
    "  1  a hook failed (--check: a self-test failed)\n"
    "  2  bad command line\n"
    "  3  no plugin configured (MTIA_PLUGIN_PATH unset or empty)\n"
    "  4  the plugin failed to load (--check: a load step failed)\n";

struct Options {
  bool json = false;
  std::string plugin;  // --plugin
  std::string check;   // --check
};

// Parses argv into *options; returns an exit code when main should stop.
std::optional<int> parse(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") {
      options->json = true;
    } else if ((arg == "--plugin" || arg == "--check") && has_value) {
      (arg == "--plugin" ? options->plugin : options->check) = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return kExitOk;
    } else if (arg == "--version") {
      std::cout << "mtia-info " MTIA_HOST_VERSION " (MTIA plugin ABI " << MTIA_PLUGIN_ABI_MAJOR
                << "." << MTIA_PLUGIN_ABI_MINOR << ")\n";
      return kExitOk;
    } else {
      std::cerr << "mtia-info: " << (arg == "--plugin" || arg == "--check" ? "missing PATH after"
                                                                          : "unknown argument")
                << " '" << arg << "'\n"
                << kUsage;
      return kExitUsage;
    }
  }
  if (!options->plugin.empty() && !options->check.empty()) {
    std::cerr << "mtia-info: --plugin and --check cannot be combined\n" << kUsage;
    return kExitUsage;
  }
  return std::nullopt;
}

int runCheck(const Options& options) {
  const CheckResult result = check(options.check);
  if (options.json) {
    std::cout << result.toJson().dump(2) << "\n";
  } else {
    renderCheck(std::cout, result);
  }
  return result.exit_code;
}

int runDescribe(const Options& options) {
  std::unique_ptr<mtia::PluginLoader> loader;
  const mtia::MTIAHooksInterface* hooks = nullptr;
  if (!options.plugin.empty()) {
    loader = std::make_unique<mtia::PluginLoader>();
    try {
      hooks = &loader->load(options.plugin);
    } catch (const mtia::LoadError& e) {
      std::cerr << "mtia-info: " << e.what() << "\n" << loader->lastReport().toText() << "\n";
      return kExitLoadFailed;
    }
  } else {
    const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
    if (!status.configured) {
      std::cerr << "mtia-info: " << status.reason << "\n"
                << "  MTIA_PLUGIN_PATH names the backend plugin that PyTorch's MTIA hooks load,\n"
                << "  for example:\n"
                << "    MTIA_PLUGIN_PATH=/opt/vendor/lib/libmtia_vendor.so mtia-info\n"
                << "  or try a plugin directly: mtia-info --check /path/to/plugin.so\n";
      return kExitNoPlugin;
    }
    if (!status.loaded) {
      std::cerr << "mtia-info: " << status.reason << "\n";  // the error, then the load report
      return kExitLoadFailed;
    }
    hooks = &mtia::getMTIAHooks();
  }
  try {
    const nlohmann::json description = describe(*hooks);
    if (options.json) {
      std::cout << description.dump(2) << "\n";
    } else {
      renderDescription(std::cout, description);
    }
    return hasErrors(description) ? kExitFailed : kExitOk;
  } catch (const mtia::Error& e) {  // deviceCount() failed: nothing to describe
    std::cerr << "mtia-info: " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const std::optional<int> exit = parse(argc, argv, &options)) return *exit;
  return options.check.empty() ? runDescribe(options) : runCheck(options);
}
