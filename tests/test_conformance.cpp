// mtia-conformance: passes on the sample plugin (1.1 and its 1.0 build), the
// plain-C example and a conformant C fixture; fails, saying what it saw, on
// fixtures that break the device and memory contracts.
#include "run_process.h"
#include "test_support.h"

#include <string>

using mtia_test::fixturePath;
using mtia_test::runProcess;

namespace {

mtia_test::ProcessResult conformance(const std::string& plugin) {
  return runProcess({MTIA_CONFORMANCE_PATH, plugin});
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("mtia-conformance passes on the sample plugin", "[conformance]") {
  const auto r = conformance(mtia_test::samplePluginPath());
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("mtia-conformance: plugin 'mtia-sample' 0.1.0, ABI 1.2, 2 devices\n", 0) == 0);
  CHECK(has(r.out, "\ngraph\n"));
  CHECK(has(r.out, "  PASS  graphPoolHandle() gives fresh pools that captures keep (ABI 1.1)\n"));
  CHECK(has(r.out, "\nResult: PASS (12 passed, 0 failed, 0 skipped)\n"));
}

TEST_CASE("mtia-conformance passes on the 1.0 sample plugin, skipping the 1.1 hook",
          "[conformance][abi]") {
  const auto r = conformance(MTIA_SAMPLE_PLUGIN_1_0_PATH);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "  SKIP  graphPoolHandle() gives fresh pools that captures keep (ABI 1.1): "
                   "graphPoolHandle() failed in MTIA plugin 'mtia-sample': slot "
                   "'graph_pool_handle' requires plugin ABI 1.1; plugin implements 1.0 "
                   "(NOT_SUPPORTED)\n"));
  CHECK(has(r.out, "\nResult: PASS (11 passed, 0 failed, 1 skipped)\n"));
}

TEST_CASE("mtia-conformance passes on the plain-C example plugin", "[conformance]") {
  const auto r = conformance(MTIA_C_PLUGIN_PATH);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "\ngraph: SKIPPED (not implemented by the plugin)\n"));
  CHECK(has(r.out, "\nResult: PASS (8 passed, 0 failed, 4 skipped)\n"));
}

TEST_CASE("mtia-conformance reports groups a C plugin does not implement as skipped",
          "[conformance]") {
  const auto r = conformance(fixturePath("fixture_conformant"));
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "\nstream: SKIPPED (not implemented by the plugin)\n"));
  CHECK(has(r.out, "\nmemory\n  PASS  memoryStats(d) has dram.allocated_bytes <= dram.peak_bytes\n"
                   "  PASS  deviceAlloc raises allocated_bytes and deviceFree restores it\n"));
  CHECK(has(r.out, "\ngraph: SKIPPED (not implemented by the plugin)\n"));
  CHECK(has(r.out, "\nResult: PASS (6 passed, 0 failed, 6 skipped)\n"));
}

TEST_CASE("mtia-conformance fails a plugin whose setCurrentDevice changes nothing",
          "[conformance][faults]") {
  const auto r = conformance(fixturePath("fixture_stuck_device"));
  CHECK(r.exit_code == 1);
  CHECK(has(r.out, "  FAIL  setCurrentDevice(d) makes getCurrentDevice() return d: after "
                   "setCurrentDevice(1), getCurrentDevice() returned 0\n"));
  CHECK(has(r.out, "\nResult: FAIL (4 passed, 1 failed, 7 skipped)\n"));
}

TEST_CASE("mtia-conformance fails a plugin whose current device is not per thread",
          "[conformance][faults]") {
  const auto r = conformance(fixturePath("fixture_global_device"));
  CHECK(r.exit_code == 1);
  CHECK(has(r.out, "  FAIL  the current device is per thread: setCurrentDevice(0) on another "
                   "thread changed this thread's current device from 1 to 0\n"));
  CHECK(has(r.out, "\nResult: FAIL (5 passed, 1 failed, 6 skipped)\n"));
}

TEST_CASE("mtia-conformance fails a plugin whose memory stats ignore allocations",
          "[conformance][faults]") {
  const auto r = conformance(fixturePath("fixture_stale_stats"));
  CHECK(r.exit_code == 1);
  CHECK(has(r.out, "  FAIL  deviceAlloc raises allocated_bytes and deviceFree restores it: "
                   "deviceAlloc(0, 1048576) moved allocated_bytes from 0 to 0\n"));
  CHECK(has(r.out, "\nResult: FAIL (5 passed, 1 failed, 6 skipped)\n"));
}

TEST_CASE("mtia-conformance exits 2 when the plugin does not load", "[conformance][faults]") {
  const auto r = conformance(fixturePath("fixture_major_too_high"));
  CHECK(r.exit_code == 2);
  CHECK(r.out == "FAIL  the plugin did not load: cannot load MTIA plugin '" +
                     fixturePath("fixture_major_too_high") +
                     "': negotiate failed: plugin implements MTIA plugin ABI 2.0; this host "
                     "supports 1.0-1.2: rebuild the plugin against plugin_abi 1.x or upgrade "
                     "the host\n");
  const auto usage = runProcess({MTIA_CONFORMANCE_PATH});
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.rfind("usage: mtia-conformance PATH\n", 0) == 0);
}
