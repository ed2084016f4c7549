// mtia-info — what MTIA plugin is configured, what its devices look like, and
// (--check PATH) whether a plugin loads and works. Exit codes: mtia_info.h.
#include "mtia_info.h"

#include <mtia/loader.h>
#include <mtia/trace.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

namespace {

using namespace mtia_info;

const std::string kUsage = std::string(
    "usage: mtia-info [--json] [--plugin PATH] [--trace FILE]\n"
    "       mtia-info --check [PATH] [--json] [--trace FILE]\n"
    "       mtia-info --help | --version\n"
    "\n"
    "Shows the MTIA plugin named by MTIA_PLUGIN_PATH (or by --plugin PATH): its path,\n"
    "name, version and negotiated ABI, then per device its capability, current\n"
    "stream, memory stats and properties.\n"
    "\n"
    "PATH is a plugin library, or a plugin.json manifest that names the library\n"
    "(absolute, or relative to the manifest) and the ABI it needs. PATH may be\n"
    "relative to the working directory; MTIA_PLUGIN_PATH must be absolute.\n"
    "\n"
    "  --json          print the same information as one JSON document\n"
    "  --plugin PATH   load PATH instead of MTIA_PLUGIN_PATH\n"
    "  --check [PATH]  load PATH (default: MTIA_PLUGIN_PATH) step by step, print every\n"
    "                  load step with its verdict, then run the quick conformance checks\n"
    "                  (PASS / FAIL / SKIP, each with its reason); mtia-conformance runs\n"
    "                  them all\n"
    "  --trace FILE    record every hook call into FILE, a Chrome Trace Event JSON file\n"
    "                  that Perfetto (ui.perfetto.dev) and chrome://tracing open\n"
    "                  (as MTIA_TRACE does; docs/tracing.md)\n"
    "\n"
    "environment:\n"
    "  MTIA_PLUGIN_PATH  absolute path of the plugin library or manifest; when unset,\n"
    "                    a manifest is taken from the plugins.d folders (--check lists\n"
    "                    every candidate); set and empty: no plugin\n"
    "  MTIA_LOG_LEVEL    trace, debug, info, warn, error, critical, off (default here:\n"
    "                    off, as mtia-info reports every failure itself)\n"
    "  MTIA_TRACE        absolute path of a trace file to record the hook calls into\n"
    "\n") + mtia_conformance::kExitCodeHelp;

struct Options {
  bool json = false;
  std::string plugin;  // --plugin
  bool check = false;  // --check
  std::string path;    // its PATH ("": MTIA_PLUGIN_PATH)
  std::string trace;   // --trace FILE
};

// Parses argv into *options; returns an exit code when main should stop.
std::optional<int> parse(int argc, char** argv, Options* options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") {
      options->json = true;
    } else if (arg == "--plugin" && has_value) {
      options->plugin = mtia_conformance::commandLinePath(argv[++i]);
    } else if (arg == "--trace" && has_value) {
      options->trace = argv[++i];
    } else if (arg == "--check") {
      options->check = true;
      if (has_value && argv[i + 1][0] != '-') {
        options->path = mtia_conformance::commandLinePath(argv[++i]);
      }
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return kExitOk;
    } else if (arg == "--version") {
      std::cout << "mtia-info " MTIA_HOST_VERSION " (MTIA plugin ABI "
                << mtia::abiVersion(MTIA_PLUGIN_ABI_MAJOR, MTIA_PLUGIN_ABI_MINOR) << ")\n";
      return kExitOk;
    } else {
      std::cerr << "mtia-info: " << (arg == "--plugin" ? "missing PATH after"
                                    : arg == "--trace" ? "missing FILE after"
                                                       : "unknown argument")
                << " '" << arg << "'\n"
                << kUsage;
      return kExitUsage;
    }
  }
  if (!options->plugin.empty() && options->check) {
    std::cerr << "mtia-info: --plugin and --check cannot be combined\n" << kUsage;
    return kExitUsage;
  }
  return std::nullopt;
}

int runCheck(const Options& options) {
  mtia_conformance::RunOptions run;
  run.quick = true;
  const auto print = [&](const mtia_conformance::Report& report) {
    if (options.json) {
      mtia_conformance::printJson(std::cout, report.toJson());
    } else {
      mtia_conformance::renderText(std::cout, report, /*load_steps=*/true);
    }
  };
  const mtia_conformance::Report report = mtia_conformance::runSuite(options.path, run, print);
  print(report);
  return report.exit_code;
}

// A failure before or instead of the description: the text on stderr, and
// with --json also {"error": ..., "exit_code": N, "load": <report> | null} on stdout.
int failDescribe(const Options& options, int exit_code, const std::string& text,
                 const std::string& error, const mtia::LoadReport* report) {
  std::cerr << text;
  if (options.json) {
    mtia_conformance::printJson(
        std::cout, {{"error", error},
                    {"exit_code", exit_code},
                    {"load", report != nullptr ? report->toJson() : nlohmann::json()}});
  }
  return exit_code;
}

int runDescribe(const Options& options) {
  std::unique_ptr<mtia::PluginLoader> loader;
  const mtia::MTIAHooksInterface* hooks = nullptr;
  if (!options.plugin.empty()) {
    loader = std::make_unique<mtia::PluginLoader>();
    std::string error;
    try {
      hooks = &loader->load(options.plugin);
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "the load ended with an exception of unknown type";
    }
    if (hooks == nullptr) {
      const mtia::LoadReport& report = loader->lastReport();
      return failDescribe(options, kExitLoadFailed,
                          "mtia-info: " + error + "\n" + report.toText() + "\n", error, &report);
    }
  } else {
    const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
    if (!status.configured) {
      return failDescribe(
          options, kExitNoPlugin,
          "mtia-info: " + status.reason + "\n" +
              "  MTIA_PLUGIN_PATH names the backend plugin that PyTorch's MTIA hooks load,\n"
              "  for example:\n"
              "    MTIA_PLUGIN_PATH=/opt/vendor/lib/libmtia_vendor.so mtia-info\n"
              "  or try a plugin directly: mtia-info --check /path/to/plugin.so\n",
          status.reason, nullptr);
    }
    if (!status.loaded) {  // the error, then the load report
      return failDescribe(options, kExitLoadFailed, "mtia-info: " + status.reason + "\n",
                          status.reason, &status.report);
    }
    hooks = &mtia::getMTIAHooks();
  }
  std::string error;
  try {
    const nlohmann::json description = describe(*hooks);
    if (options.json) {
      mtia_conformance::printJson(std::cout, description);
    } else {
      renderDescription(std::cout, description);
    }
    return hasErrors(description) ? kExitFailed : kExitOk;
  } catch (const std::exception& e) {  // deviceCount() failed: nothing to describe
    error = e.what();
  } catch (...) {
    error = "an exception of unknown type";
  }
  return failDescribe(options, kExitFailed, "mtia-info: " + error + "\n", error, nullptr);
}

// --trace FILE: MTIA_TRACE for the loads that follow (a relative FILE is
// taken from the working directory); written at the end (and again at exit).
void startTrace(const std::string& file) {
  setenv("MTIA_TRACE", mtia_conformance::commandLinePath(file).c_str(), 1);
}

void finishTrace(int exit_code) {
  const char* path = std::getenv("MTIA_TRACE");
  if (exit_code == kExitNoPlugin || exit_code == kExitLoadFailed) {
    std::cerr << "mtia-info: no trace was written to '" << path << "': no plugin was loaded\n";
  } else if (mtia::flushTrace()) {
    std::cerr << "mtia-info: trace written to '" << path
              << "' (open it in https://ui.perfetto.dev or chrome://tracing)\n";
  } else {
    std::cerr << "mtia-info: the trace '" << path << "' could not be written\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  // One message per failure: mtia-info prints each failure itself, so the
  // host's logger, which would say it again, is off unless the user sets
  // MTIA_LOG_LEVEL (before anything reaches the host: it reads it once).
  setenv("MTIA_LOG_LEVEL", "off", /*overwrite=*/0);
  try {
    Options options;
    if (const std::optional<int> exit = parse(argc, argv, &options)) return *exit;
    if (!options.trace.empty()) startTrace(options.trace);
    const int code = options.check ? runCheck(options) : runDescribe(options);
    if (!options.trace.empty()) finishTrace(code);
    return code;
  } catch (const std::exception& e) {
    std::cerr << "mtia-info: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "mtia-info: an exception of unknown type\n";
  }
  return kExitFailed;
}
