// mtia-conformance: passes the sample plugin (1.1 and its 1.0 build), the
// plain-C example and conformance_ok; FAILs every conformance_broken_<x>
// fixture (tests/fixtures/conformance_plugin.c), naming the check that
// catches it; never hangs (the watchdog); one exit-code table; --json.
#include "run_process.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

using mtia_test::fixturePath;
using mtia_test::runProcess;

namespace {

mtia_test::ProcessResult conformance(const std::vector<std::string>& args,
                                     const std::vector<std::string>& env = {"MTIA_PLUGIN_PATH"}) {
  std::vector<std::string> argv{MTIA_CONFORMANCE_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return runProcess(argv, env);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The broken fixtures and the check each must FAIL.
struct Broken {
  const char* fixture;  // conformance_broken_<fixture>
  const char* check;
};

// Runs the suite on each fixture: exit 1 and a FAIL line for its check.
void expectCaught(const std::vector<Broken>& broken) {
  for (const Broken& b : broken) {
    const std::string path = fixturePath(std::string("conformance_broken_") + b.fixture);
    const auto r = conformance({path, "--timeout", "10"});
    INFO(b.fixture << " should fail " << b.check << ":\n" << r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(has(r.out, std::string("\n  FAIL  ") + b.check + ": "));
  }
}

// How many checks passed, failed, were skipped on a fully conformant plugin
// with the extensions (memory.free_queued needs ABI 1.2).
#if MTIA_PLUGIN_ABI_MINOR >= 2
const std::string kAllPass = "\nResult: PASS (37 passed, 0 failed, 0 skipped)\n";
#else
const std::string kAllPass = "\nResult: PASS (36 passed, 0 failed, 1 skipped)\n";
#endif

}  // namespace

TEST_CASE("mtia-conformance passes the sample plugin", "[conformance]") {
  const auto r = conformance({mtia_test::samplePluginPath()});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("mtia-conformance: plugin 'mtia-sample' 0.1.0, ABI 1.", 0) == 0);
  CHECK_FALSE(has(r.out, "  FAIL  "));
  CHECK(has(r.out, "\n  PASS  graph.replay: nothing ran during capture; three replays ran the "
                   "work three times, results exact\n"));
  CHECK(has(r.out, "\n  PASS  events.wait: "));
  CHECK(has(r.out, kAllPass));
}

TEST_CASE("mtia-conformance passes the 1.0 sample plugin, skipping what needs 1.1",
          "[conformance][abi]") {
  const auto r = conformance({MTIA_SAMPLE_PLUGIN_1_0_PATH});
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "\n  SKIP  graph.pool_handle: needs plugin ABI 1.1; the negotiated ABI is "
                   "1.0\n"));
  CHECK(has(r.out, "\nResult: PASS (35 passed, 0 failed, 2 skipped)\n"));
}

TEST_CASE("mtia-conformance passes the plain-C example; the core setCurrentStream check needs "
          "no extension",
          "[conformance]") {
  const auto r = conformance({MTIA_C_PLUGIN_PATH});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "\n  PASS  stream.current: default-stream round trips on every device; "
                   "unknown streams are refused (NOT_FOUND)\n"));
  CHECK(has(r.out, "\n  SKIP  stream.create: needs the 'mtia.streams/1' extension, which the "
                   "plugin does not provide\n"));
  CHECK(has(r.out, "\n  SKIP  graph.private_pool: needs the graph group, which the plugin does "
                   "not implement: mtiagraphCreate() failed in MTIA plugin 'c-example': "));
  CHECK(has(r.out, "\nResult: PASS (8 passed, 0 failed, 29 skipped)\n"));
}

TEST_CASE("mtia-conformance passes the conformant C fixture, every check run",
          "[conformance]") {
  const auto r = conformance({fixturePath("conformance_ok")});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, kAllPass));
}

TEST_CASE("mtia-conformance skips a check whose needs are unmet, saying which",
          "[conformance]") {
  const auto r = conformance({fixturePath("fixture_good")});
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "\n  SKIP  device.per_thread: needs 2 devices; the plugin has 1\n"));
  CHECK(has(r.out, "\n  SKIP  memory.free_queued: needs plugin ABI 1.2; the negotiated ABI is "
                   "1.0\n"));
}

TEST_CASE("mtia-conformance fails each broken device and stream fixture by name",
          "[conformance][broken]") {
  expectCaught({{"device_count_zero", "device.count"},
                {"stuck_device", "device.current"},
                {"global_device", "device.per_thread"},
                {"exchange_returns_new", "device.exchange"},
                {"bad_index_accepted", "device.bad_index"},
                {"props_zero_memory", "device.descriptions"},
                {"default_stream_minus1", "stream.default"},
                {"set_stream_unknown", "stream.current"},
                {"create_same_id", "stream.create"},
                {"set_stream_wrong_device", "stream.set_created"},
                {"global_stream", "stream.per_thread"}});
}

TEST_CASE("mtia-conformance fails each broken exec fixture by name", "[conformance][broken]") {
  expectCaught({{"memset_short", "exec.memset"},
                {"memcpy_d2d_nop", "exec.memcpy"},
                {"exec_lifo", "exec.order"},
                {"one_worker", "exec.independence"},
                {"query_always_idle", "exec.query"},
                {"sync_no_wait", "exec.synchronize"},
                {"device_sync_no_wait", "exec.device_synchronize"},
                {"async_error_dropped", "exec.async_error"},
                {"exec_no_bounds", "exec.bad_arguments"}});
}

TEST_CASE("mtia-conformance fails each broken events fixture by name", "[conformance][broken]") {
  expectCaught({{"event_always_done", "events.query"},
                {"event_sync_no_wait", "events.synchronize"},
                {"wait_event_nop", "events.wait"},
                {"elapsed_zero", "events.elapsed"}});
}

TEST_CASE("mtia-conformance fails each broken memory fixture by name", "[conformance][broken]") {
  expectCaught({{"stale_stats", "memory.allocated"},
                {"peak_not_reset", "memory.peak_reset"},
                {"counts_wrong", "memory.counts"},
                {"empty_cache_nop", "memory.empty_cache"},
                {"pinned_any", "memory.pinned"},
                {"oom_no_observer", "memory.oom"},
                {"snapshot_shape", "memory.snapshot"}});
}

TEST_CASE("mtia-conformance checks the ABI 1.2 rule on freeing memory queued work uses",
          "[conformance][broken][abi]") {
  const auto r = conformance({fixturePath("conformance_broken_free_unsafe")});
#if MTIA_PLUGIN_ABI_MINOR >= 2
  CHECK(r.exit_code == 1);
  CHECK(has(r.out, "\n  FAIL  memory.free_queued: memory allocated after a deviceFree that "
                   "queued work still used was overwritten by that work: byte 0 of 65536 is "
                   "0xab, expected 0x11\n"));
#else
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "\n  SKIP  memory.free_queued: needs plugin ABI 1.2; the negotiated ABI is "
                   "1.1\n"));
#endif
}

TEST_CASE("mtia-conformance fails each broken graph and threads fixture by name",
          "[conformance][broken]") {
  expectCaught({{"capture_runs", "graph.replay"},
                {"replay_nop", "graph.replay"},
                {"replay_twice", "graph.replay"},
                {"replay_uninstantiated", "graph.lifecycle"},
                {"pool_default", "graph.private_pool"},
                {"pool_handle_repeats", "graph.pool_handle"},
                {"create_racy", "threads.concurrent"}});
}

TEST_CASE("mtia-conformance fails the plain fixtures that break the device and memory contracts",
          "[conformance][broken]") {
  const auto stuck = conformance({fixturePath("fixture_stuck_device")});
  CHECK(stuck.exit_code == 1);
  CHECK(has(stuck.out, "\n  FAIL  device.current: after setCurrentDevice(1), getCurrentDevice() "
                       "returned 0\n"));
  const auto global = conformance({fixturePath("fixture_global_device")});
  CHECK(global.exit_code == 1);
  CHECK(has(global.out, "\n  FAIL  device.per_thread: a fresh thread's current device is 1, "
                        "not 0\n"));
  const auto stale = conformance({fixturePath("fixture_stale_stats")});
  CHECK(stale.exit_code == 1);
  CHECK(has(stale.out, "\n  FAIL  memory.allocated: deviceAlloc(0, 1 MiB) moved allocated_bytes "
                       "from 0 to 0\n"));
}

TEST_CASE("a check that hangs times out, FAILs with what it waited for, and the tool exits 1",
          "[conformance][watchdog]") {
  const auto start = std::chrono::steady_clock::now();
  const auto r = conformance({fixturePath("conformance_broken_hang_sync"), "--timeout", "1"});
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(seconds.count() < 15);
  CHECK(has(r.out, "\n  FAIL  exec.memset: timed out after 1 s waiting for synchronize(stream "));
  CHECK(has(r.out, "\n  SKIP  threads.concurrent: not run: check 'exec.memset' is stuck inside "
                   "the plugin\n"));
  CHECK(has(r.out, "\nResult: FAIL ("));

  const auto json = conformance({fixturePath("conformance_broken_hang_sync"), "--timeout", "1",
                                 "--json"});
  CHECK(json.exit_code == 1);
  const nlohmann::json doc = nlohmann::json::parse(json.out);
  CHECK(doc["result"] == "fail");
  CHECK(doc["exit_code"] == 1);
  CHECK(doc["failure"].get<std::string>().rfind(
            "check 'exec.memset' failed: timed out after 1 s waiting for synchronize(", 0) == 0);
}

TEST_CASE("mtia-conformance --json reports every check with its verdict and reason",
          "[conformance]") {
  const auto r = conformance({fixturePath("conformance_broken_memset_short"), "--json"});
  CHECK(r.exit_code == 1);
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  CHECK(doc["tool"] == "mtia-conformance");
  CHECK(doc["plugin"]["name"] == "conformance-fixture");
  CHECK(doc["device_count"] == 2);
  CHECK(doc["load"]["ok"] == true);
  CHECK(doc["result"] == "fail");
  CHECK(doc["exit_code"] == 1);
  bool found = false;
  for (const nlohmann::json& c : doc["checks"]) {
    if (c["id"] != "exec.memset") continue;
    found = true;
    CHECK(c["group"] == "exec");
    CHECK(c["verdict"] == "FAIL");
    CHECK(c["reason"] == "after memset of [100, 1100) to 0xab, [1100] to 0x7f and the last 3 "
                         "bytes to 0x01: byte 1099 of 4096 is 0x00, expected 0xab");
  }
  CHECK(found);
  CHECK(doc["summary"]["failed"].get<int>() >= 1);
}

TEST_CASE("mtia-conformance uses mtia-info's exit codes", "[conformance][exit]") {
  const std::string bad = fixturePath("fixture_major_too_high");
  const auto load = conformance({bad});
  CHECK(load.exit_code == 4);
  CHECK(has(load.out, "MTIA plugin load report for '" + bad + "': FAILED at negotiate\n"));
  CHECK(has(load.out, "\nFAIL: load step 'negotiate' failed: plugin implements MTIA plugin ABI "
                      "2.0; this host supports 1.0-1."));
  CHECK(nlohmann::json::parse(conformance({bad, "--json"}).out)["exit_code"] == 4);

  const auto none = conformance({});
  CHECK(none.exit_code == 3);
  CHECK(has(none.out, "FAIL: "));
  const auto from_env = conformance({}, {"MTIA_PLUGIN_PATH=" + std::string(MTIA_C_PLUGIN_PATH)});
  CHECK(from_env.exit_code == 0);
  CHECK(has(from_env.out, "plugin 'c-example'"));

  const auto usage = conformance({"--bogus"});
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.rfind("mtia-conformance: unknown argument '--bogus'\nusage: mtia-conformance",
                        0) == 0);
  CHECK(conformance({"--timeout", "zero", "x"}).exit_code == 2);
  const auto help = conformance({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(has(help.out, "exit codes:\n  0  success"));
}

TEST_CASE("mtia-conformance --list names every check with its needs", "[conformance]") {
  const auto r = conformance({"--list"});
  CHECK(r.exit_code == 0);
  CHECK(has(r.out, "device.count  [quick]\n  deviceCount() is positive and the same on every "
                   "thread\n"));
  CHECK(has(r.out, "memory.free_queued\n"));
  CHECK(has(r.out, "  needs: group:stream group:memory mtia.streams/1 mtia.exec/1 ABI>=1.2\n"));
  CHECK(has(r.out, "threads.concurrent\n"));
}

TEST_CASE("mtia-conformance --only runs the checks with that prefix", "[conformance]") {
  const auto r = conformance({mtia_test::samplePluginPath(), "--only", "graph."});
  CHECK(r.exit_code == 0);
  CHECK_FALSE(has(r.out, "\ndevice\n"));
  CHECK(has(r.out, "\nResult: PASS (4 passed, 0 failed, 0 skipped)\n"));
}
