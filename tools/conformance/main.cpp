// mtia-conformance PATH: loads the plugin at PATH, runs every check of every
// hook group and prints one line per check. A check whose hook the plugin does
// not implement (NOT_SUPPORTED) is skipped; a group whose checks are all
// skipped is reported as skipped. Exit status: 0 all ran checks passed,
// 1 a check failed, 2 usage error or the plugin did not load.
#include "conformance.h"

#include <mtia/errors.h>
#include <mtia/plugin_abi.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

namespace mtia_conformance {
namespace {

enum class Verdict { Pass, Fail, Skip };

struct Outcome {
  Verdict verdict;
  std::string detail;  // why it failed or was skipped
};

Outcome runCheck(const Check& check, const Subject& subject) {
  try {
    check.run(subject);
    return {Verdict::Pass, ""};
  } catch (const NotApplicable& e) {
    return {Verdict::Skip, e.what()};
  } catch (const mtia::PluginError& e) {
    if (e.code() == MTIA_STATUS_NOT_SUPPORTED) return {Verdict::Skip, e.what()};
    return {Verdict::Fail, e.what()};
  } catch (const std::exception& e) {
    return {Verdict::Fail, e.what()};
  }
}

const char* label(Verdict v) {
  switch (v) {
    case Verdict::Pass: return "PASS";
    case Verdict::Fail: return "FAIL";
    case Verdict::Skip: return "SKIP";
  }
  return "?";
}

int run(const std::string& path) {
  mtia::PluginLoader loader;
  const Hooks* hooks = nullptr;
  try {
    hooks = &loader.load(path);
  } catch (const mtia::Error& e) {
    std::cout << "FAIL  the plugin did not load: " << e.what() << "\n";
    return 2;
  }
  const mtia::PluginInfo& info = loader.info();
  int devices = 0;
  try {
    devices = hooks->deviceCount();
  } catch (const mtia::Error& e) {
    std::cout << "FAIL  deviceCount() failed: " << e.what() << "\n";
    return 1;
  }
  std::cout << "mtia-conformance: plugin '" << info.name << "' " << info.version << ", ABI "
            << info.abi_major << "." << info.abi_minor << ", " << devices << " devices\n"
            << "  " << info.resolved_path << "\n";
  const Subject subject{*hooks, info, devices};
  int passed = 0, failed = 0, skipped = 0;
  for (const Group& group : conformanceGroups()) {
    std::string lines;
    int group_skipped = 0;
    for (const Check& check : group.checks) {
      const Outcome o = runCheck(check, subject);
      passed += o.verdict == Verdict::Pass;
      failed += o.verdict == Verdict::Fail;
      group_skipped += o.verdict == Verdict::Skip;
      lines += std::string("  ") + label(o.verdict) + "  " + check.name +
               (o.detail.empty() ? "" : ": " + o.detail) + "\n";
    }
    skipped += group_skipped;
    const bool all_skipped = group_skipped == static_cast<int>(group.checks.size());
    std::cout << "\n" << group.name << (all_skipped ? ": SKIPPED (not implemented by the plugin)" : "")
              << "\n" << lines;
  }
  std::cout << "\nResult: " << (failed == 0 ? "PASS" : "FAIL") << " (" << passed << " passed, "
            << failed << " failed, " << skipped << " skipped)\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace mtia_conformance

int main(int argc, char** argv) {
  if (argc != 2 || std::strcmp(argv[1], "--help") == 0 || argv[1][0] == '\0') {
    std::fprintf(argc == 2 && std::strcmp(argv[1], "--help") == 0 ? stdout : stderr,
                 "usage: mtia-conformance PATH\n"
                 "  Loads the MTIA plugin at PATH (a library or a plugin.json manifest) and runs\n"
                 "  the behavioural checks of every hook group: device, stream, memory, graph.\n"
                 "  Exit status: 0 conformant, 1 a check failed, 2 usage error or load failure.\n");
    return argc == 2 && std::strcmp(argv[1], "--help") == 0 ? 0 : 2;
  }
  try {
    return mtia_conformance::run(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "mtia-conformance: " << e.what() << "\n";
    return 2;
  }
}
