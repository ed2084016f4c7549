// doc_probe — prints what a user sees in the situations the documentation
// quotes, for tests/test_docs_output.cpp. It uses the process-wide hooks
// (getMTIAHooks(), MTIA_PLUGIN_PATH) exactly as an application does; the host's
// log goes to stderr as usual.
//
//   doc_probe hook deviceSynchronize|graphPoolHandle   the hook's error message
//   doc_probe alloc DEVICE BYTES [BYTES...]             deviceAlloc in order; the first error
//   doc_probe cause                                      the failed load step's cause
//   doc_probe report                                     the global load report as text
//
// Exit status: 0 when it printed what was asked, 1 when the situation did not
// arise (the hook did not fail, the load did not fail), 2 for a bad command line.
#include <mtia/errors.h>
#include <mtia/hooks.h>
#include <mtia/loader.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

int printError(void (*fn)(const mtia::MTIAHooksInterface&)) {
  try {
    fn(mtia::getMTIAHooks());
  } catch (const mtia::Error& e) {
    std::cout << e.what() << "\n";
    return 0;
  }
  std::cerr << "doc_probe: the hook did not fail\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const std::string what = argc > 2 ? argv[2] : "";
  if (mode == "hook" && what == "deviceSynchronize") {
    return printError([](const mtia::MTIAHooksInterface& h) { h.deviceSynchronize(0); });
  }
  if (mode == "hook" && what == "graphPoolHandle") {
    return printError([](const mtia::MTIAHooksInterface& h) { (void)h.graphPoolHandle(); });
  }
  if (mode == "alloc" && argc > 3) {
    const auto device = static_cast<mtia::DeviceIndex>(std::atoi(argv[2]));
    try {
      for (int i = 3; i < argc; ++i) {
        (void)mtia::getMTIAHooks().deviceAlloc(device, std::strtoull(argv[i], nullptr, 10));
      }
    } catch (const mtia::Error& e) {
      std::cout << e.what() << "\n";
      return 0;
    }
    std::cerr << "doc_probe: every allocation succeeded\n";
    return 1;
  }
  if (mode == "cause" || mode == "report") {
    const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
    const mtia::LoadReportStep* failed = status.report.failedStep();
    if (failed == nullptr) {
      std::cerr << "doc_probe: the load did not fail\n";
      return 1;
    }
    std::cout << (mode == "cause" ? failed->detail : status.report.toText()) << "\n";
    return 0;
  }
  std::cerr << "usage: doc_probe hook NAME | alloc DEVICE BYTES... | cause | report\n";
  return 2;
}
