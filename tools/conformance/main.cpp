// mtia-conformance [PATH] — loads the MTIA plugin at PATH (or MTIA_PLUGIN_PATH)
// and runs every check of the conformance suite (suite.h). The exit codes are
// mtia-info's (kExitCodeHelp). Never aborts: whatever the plugin does becomes
// a verdict, and a check that hangs FAILs on its own.
#include "suite.h"

#include <mtia/plugin_abi.h>

#include <iostream>
#include <optional>
#include <string>

namespace {

using namespace mtia_conformance;

const std::string kUsage = std::string(
    "usage: mtia-conformance [PATH] [--json] [--quick] [--only PREFIX] [--timeout SECONDS]\n"
    "       mtia-conformance --list | --help\n"
    "\n"
    "Loads the MTIA plugin at PATH (a plugin library, or a plugin.json manifest naming one;\n"
    "absolute, or relative to the working directory; default: MTIA_PLUGIN_PATH, which must\n"
    "be absolute) and runs the behavioural checks of the plugin contract: device, stream,\n"
    "exec, events, memory, graph, threads. Each check prints PASS, FAIL or\n"
    "SKIP with its reason; a check whose needs (hook groups, extensions, ABI minor, devices)\n"
    "are not met is skipped, saying which.\n"
    "\n"
    "  --json             print the report as one JSON document\n"
    "  --quick            only the quick checks (what mtia-info --check runs)\n"
    "  --only PREFIX      only the checks whose id starts with PREFIX (e.g. exec.)\n"
    "  --timeout SECONDS  time limit of one check (default 20); a check past it FAILs\n"
    "  --list             list every check with what it needs\n"
    "\n") + kExitCodeHelp;

struct Options {
  std::string path;
  bool json = false;
  RunOptions run;
};

std::optional<int> parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--json") {
      o->json = true;
    } else if (arg == "--quick") {
      o->run.quick = true;
    } else if (arg == "--only" && has_value) {
      o->run.only = argv[++i];
    } else if (arg == "--timeout" && has_value) {
      try {
        o->run.timeout_s = std::stod(argv[++i]);
      } catch (...) {
        o->run.timeout_s = 0;
      }
      if (!(o->run.timeout_s > 0)) {
        std::cerr << "mtia-conformance: --timeout needs a positive number of seconds\n";
        return kExitUsage;
      }
    } else if (arg == "--list") {
      renderList(std::cout);
      return kExitOk;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return kExitOk;
    } else if (!arg.empty() && arg[0] != '-' && o->path.empty()) {
      o->path = commandLinePath(arg);
    } else {
      std::cerr << "mtia-conformance: "
                << (arg == "--only" || arg == "--timeout" ? "missing value after"
                                                          : "unknown argument")
                << " '" << arg << "'\n"
                << kUsage;
      return kExitUsage;
    }
  }
  return std::nullopt;
}

void print(const Options& options, const Report& report) {
  if (options.json) {
    printJson(std::cout, report.toJson());
  } else {
    renderText(std::cout, report, /*load_steps=*/false);
  }
}

int run(int argc, char** argv) {
  Options options;
  if (const std::optional<int> exit = parse(argc, argv, &options)) return *exit;
  const Report report =
      runSuite(options.path, options.run, [&](const Report& r) { print(options, r); });
  print(options, report);
  return report.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "mtia-conformance: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "mtia-conformance: an exception of unknown type\n";
  }
  return kExitFailed;
}
