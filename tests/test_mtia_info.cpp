// mtia-info, run as a child process: its output and its exit codes.
#include "run_process.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using mtia_test::fixturePath;
using mtia_test::runProcess;

const std::string kCPlugin = MTIA_C_PLUGIN_PATH;
const std::string kAbi =
    std::to_string(MTIA_PLUGIN_ABI_MAJOR) + "." + std::to_string(MTIA_PLUGIN_ABI_MINOR);

std::string realPath(const std::string& path) {
  char resolved[PATH_MAX];
  REQUIRE(realpath(path.c_str(), resolved) != nullptr);
  return resolved;
}

// mtia-info with these arguments, MTIA_PLUGIN_PATH=plugin ("" leaves it unset)
// and the default log level.
mtia_test::ProcessResult mtiaInfo(const std::vector<std::string>& args,
                                  const std::string& plugin = "") {
  std::vector<std::string> argv{MTIA_INFO_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return runProcess(argv, {plugin.empty() ? "MTIA_PLUGIN_PATH" : "MTIA_PLUGIN_PATH=" + plugin,
                           "MTIA_LOG_LEVEL"});
}

const std::string kNoPluginMessage =
    "mtia-info: No MTIA plugin is configured: set MTIA_PLUGIN_PATH to the absolute path of an "
    "MTIA plugin library.\n"
    "  MTIA_PLUGIN_PATH names the backend plugin that PyTorch's MTIA hooks load,\n"
    "  for example:\n"
    "    MTIA_PLUGIN_PATH=/opt/vendor/lib/libmtia_vendor.so mtia-info\n"
    "  or try a plugin directly: mtia-info --check /path/to/plugin.so\n";

}  // namespace

TEST_CASE("mtia-info prints the configured plugin and its devices", "[mtia-info]") {
  const auto r = mtiaInfo({}, kCPlugin);
  CHECK(r.err == "");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "MTIA plugin\n"
                 "  name            c-example\n"
                 "  version         1.0.0\n"
                 "  path            " + realPath(kCPlugin) + "\n"
                 "  found by        MTIA_PLUGIN_PATH\n"
                 "  ABI             " + kAbi + " (plugin " + kAbi + ", host " + kAbi + ")\n"
                 "  devices         2\n"
                 "\n"
                 "Device 0\n"
                 "  capability      1.0\n"
                 "  current stream  0 (default)\n"
                 "  memory stats\n"
                 "    dram.allocated_bytes  0\n"
                 "    dram.peak_bytes       0\n"
                 "  properties\n"
                 "    name          C Example Device 0\n"
                 "    total_memory  536870912\n"
                 "\n"
                 "Device 1\n"
                 "  capability      1.0\n"
                 "  current stream  0 (default)\n"
                 "  memory stats\n"
                 "    dram.allocated_bytes  0\n"
                 "    dram.peak_bytes       0\n"
                 "  properties\n"
                 "    name          C Example Device 1\n"
                 "    total_memory  536870912\n");
}

TEST_CASE("mtia-info --plugin PATH loads PATH instead of MTIA_PLUGIN_PATH", "[mtia-info]") {
  const auto r = mtiaInfo({"--plugin", kCPlugin}, mtia_test::samplePluginPath());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("  name            c-example\n") != std::string::npos);

  const std::string bad = fixturePath("fixture_init_fails");
  const auto failed = mtiaInfo({"--plugin", bad});
  CHECK(failed.exit_code == 4);
  CHECK(failed.out == "");
  CHECK(failed.err == "mtia-info: " + std::string(mtia_test::loadErrorOf(bad).what()) + "\n" +
                          mtia::checkPlugin(bad).toText() + "\n");
}

namespace {

// `path` relative to the working directory this test (and the tools it runs) has,
// and that directory.
std::string relativeToHere(const std::string& path) {
  const std::string relative =
      std::filesystem::relative(path, std::filesystem::current_path()).string();
  REQUIRE(!relative.empty());
  REQUIRE(relative.front() != '/');
  return relative;
}

std::string here() { return std::filesystem::current_path().string(); }

}  // namespace

TEST_CASE("mtia-info --plugin and --check take a path relative to the working directory",
          "[mtia-info][check]") {
  const std::string relative = relativeToHere(kCPlugin);
  const std::string absolute = here() + "/" + relative;  // what the tool must load
  INFO(relative);
  const auto described = mtiaInfo({"--plugin", relative});
  CHECK(described.err == "");
  CHECK(described.exit_code == 0);
  CHECK(described.out == mtiaInfo({"--plugin", absolute}).out);
  CHECK(described.out.find("  name            c-example\n") != std::string::npos);

  const auto checked = mtiaInfo({"--check", "./" + relative});
  CHECK(checked.exit_code == 0);
  CHECK(checked.out.rfind("MTIA plugin load report for '" + absolute + "': loaded\n", 0) == 0);
  CHECK(checked.out == mtiaInfo({"--check", absolute}).out);

  const auto missing = mtiaInfo({"--check", "no/such/libplugin.so"});
  CHECK(missing.exit_code == 4);
  CHECK(missing.out.find("\nFAIL: load step 'locate' failed: cannot resolve '" + here() +
                         "/no/such/libplugin.so': No such file or directory\n") !=
        std::string::npos);

  // MTIA_PLUGIN_PATH keeps the absolute-path rule.
  const auto configured = mtiaInfo({}, relative);
  CHECK(configured.exit_code == 4);
  CHECK(configured.err.rfind("mtia-info: The MTIA plugin failed to load: cannot load MTIA plugin '" +
                                 relative + "': locate failed: the plugin path must be absolute",
                             0) == 0);
}

TEST_CASE("mtia-info --check takes a manifest by a relative path", "[mtia-info][check]") {
  const mtia_test::TempDir dir;
  const std::string manifest = dir.write(
      "plugin.json", R"({"file_format_version": "1.0.0", "plugin": {"library_path": ")" +
                         kCPlugin + R"(", "abi_version": ")" + kAbi + R"("}})");
  const std::string relative = relativeToHere(manifest);
  const auto r = mtiaInfo({"--check", relative});
  INFO(relative << "\n" << r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("MTIA plugin load report for '" + here() + "/" + relative + "': loaded\n"
                    "  manifest    ok          '" + realPath(manifest) + "': file format 1.0.0, "
                    "library_path '" + kCPlugin + "', ABI " + kAbi + "; ",
                    0) == 0);
}

TEST_CASE("mtia-conformance takes a path relative to the working directory", "[mtia-info][check]") {
  const std::string relative = relativeToHere(kCPlugin);
  const auto r = runProcess({MTIA_CONFORMANCE_PATH, relative, "--only", "device.count"},
                            {"MTIA_PLUGIN_PATH", "MTIA_LOG_LEVEL"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\n  " + realPath(kCPlugin) + "\n") != std::string::npos);
  CHECK(r.out.find("\n  PASS  device.count: 2 devices\n") != std::string::npos);
}

TEST_CASE("mtia-info prints one message per failure, not the log's line as well", "[mtia-info]") {
  const std::string path = fixturePath("fixture_major_too_high");
  const std::string error = mtia_test::loadErrorOf(path).what();
  const auto r = mtiaInfo({}, path);
  CHECK(r.exit_code == 4);
  CHECK(r.err.rfind("mtia-info: The MTIA plugin failed to load: " + error + "\n", 0) == 0);
  CHECK(r.err.find("[mtia]") == std::string::npos);
  // The error once; the load report after it repeats only the failed step's cause.
  CHECK(r.err.find(error) == r.err.rfind(error));
}

TEST_CASE("mtia-info says which hooks the plugin does not implement", "[mtia-info]") {
  // fixture_good has no stream group and no get_device_properties.
  const auto r = mtiaInfo({}, fixturePath("fixture_good"));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Device 0\n"
                   "  capability      0.1\n"
                   "  current stream  not implemented by the plugin\n"
                   "  memory stats\n"
                   "    dram.allocated_bytes  0\n"
                   "    dram.peak_bytes       0\n"
                   "  properties      not implemented by the plugin\n") != std::string::npos);
}

TEST_CASE("mtia-info shows a failing hook's error and exits 1", "[mtia-info]") {
  const auto r = mtiaInfo({}, fixturePath("fixture_bad_json"));
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("  capability      error: getDeviceCapability() failed in MTIA plugin "
                   "'fixture': the plugin returned JSON of type array, not an object "
                   "(INTERNAL)\n") != std::string::npos);
  CHECK(r.out.find("  memory stats    error: memoryStats() failed in MTIA plugin 'fixture': the "
                   "plugin's result has no \"dram\".\"allocated_bytes\" (INTERNAL)\n") !=
        std::string::npos);
}

TEST_CASE("mtia-info --json prints the same information as one JSON document", "[mtia-info]") {
  const auto r = mtiaInfo({"--json"}, kCPlugin);
  CHECK(r.exit_code == 0);
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  CHECK(doc["plugin"]["name"] == "c-example");
  CHECK(doc["plugin"]["version"] == "1.0.0");
  CHECK(doc["plugin"]["path"] == kCPlugin);
  CHECK(doc["plugin"]["found_by"] == "MTIA_PLUGIN_PATH");
  CHECK(doc["plugin"]["resolved_path"] == realPath(kCPlugin));
  CHECK(doc["plugin"]["abi"] ==
        nlohmann::json{{"plugin", kAbi}, {"host", kAbi}, {"negotiated", kAbi}});
  CHECK(doc["device_count"] == 2);
  REQUIRE(doc["devices"].size() == 2);
  const nlohmann::json& d1 = doc["devices"][1];
  CHECK(d1["index"] == 1);
  CHECK(d1["capability"] == nlohmann::json{{"major", 1}, {"minor", 0}});
  CHECK(d1["current_stream"] ==
        nlohmann::json{{"id", 0}, {"device", 1}, {"default", true}});
  CHECK(d1["memory_stats"]["dram"]["peak_bytes"] == 0);
  CHECK(d1["properties"]["name"] == "C Example Device 1");
  CHECK(d1["not_implemented"].empty());
  CHECK(d1["errors"].empty());

  const auto fixture = mtiaInfo({"--json"}, fixturePath("fixture_good"));
  const nlohmann::json d0 = nlohmann::json::parse(fixture.out)["devices"][0];
  CHECK(d0["not_implemented"] == nlohmann::json{"current_stream", "properties"});
  CHECK(d0["current_stream"].is_null());
  CHECK(d0["properties"].is_null());
}

TEST_CASE("mtia-info without a plugin says so and exits 3", "[mtia-info]") {
  const auto r = mtiaInfo({});
  CHECK(r.exit_code == 3);
  CHECK(r.out == "");
  CHECK(r.err == kNoPluginMessage);
  const auto json = mtiaInfo({"--json"});
  CHECK(json.exit_code == 3);
  CHECK(nlohmann::json::parse(json.out) ==
        nlohmann::json{{"error", "No MTIA plugin is configured: set MTIA_PLUGIN_PATH to the "
                                 "absolute path of an MTIA plugin library."},
                       {"exit_code", 3},
                       {"load", nullptr}});
}

TEST_CASE("mtia-info exits 4 when the configured plugin fails to load", "[mtia-info]") {
  const std::string path = fixturePath("fixture_major_too_high");
  const auto r = mtiaInfo({}, path);
  CHECK(r.exit_code == 4);
  CHECK(r.out == "");
  // The error, then the load report, starting with the configure step.
  CHECK(r.err.find("mtia-info: The MTIA plugin failed to load: " +
                   std::string(mtia_test::loadErrorOf(path).what()) +
                   "\nMTIA plugin load report for '" + path + "': FAILED at negotiate\n"
                   "  configure   ok          MTIA_PLUGIN_PATH='" + path + "'\n") !=
        std::string::npos);
}

TEST_CASE("mtia-info --check passes a good plugin, step by step", "[mtia-info][check]") {
  const auto r = mtiaInfo({"--check", kCPlugin});
  CHECK(r.err == "");
  CHECK(r.exit_code == 0);
  // Every step of the loader's own report, then the quick conformance checks.
  const std::string steps = mtia::checkPlugin(kCPlugin).toText() + "\n\n";
  REQUIRE(r.out.rfind(steps, 0) == 0);
  CHECK(r.out.substr(steps.size()).rfind(
            "mtia-info --check: plugin 'c-example' 1.0.0, ABI " + kAbi + " (host " + kAbi +
                "), 2 devices\n"
                "  " + realPath(kCPlugin) + "\n"
                "\n"
                "device\n"
                "  PASS  device.count: 2 devices\n"
                "  PASS  device.current: devices 0-1\n",
            0) == 0);
  CHECK(r.out.find("\n  PASS  stream.current: default-stream round trips on every device; "
                   "unknown streams are refused (NOT_FOUND)\n") != std::string::npos);
  CHECK(r.out.find("\n  SKIP  exec.memset: needs the 'mtia.streams/1' extension, which the "
                   "plugin does not provide\n") != std::string::npos);
  // Only the quick checks: nothing that waits on work.
  CHECK(r.out.find("exec.synchronize") == std::string::npos);
  CHECK(r.out.substr(r.out.rfind("\nResult: ")) ==
        "\nResult: PASS (8 passed, 0 failed, 13 skipped)\n");
  CHECK(r.out.rfind("MTIA plugin load report for '" + kCPlugin + "': loaded\n"
                    "  locate      ok          '" + realPath(kCPlugin) + "' (regular file, ",
                    0) == 0);
}

TEST_CASE("mtia-info --check passes the sample plugin", "[mtia-info][check]") {
  const auto r = mtiaInfo({"--check", mtia_test::samplePluginPath()});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\n  PASS  exec.memcpy: ") != std::string::npos);
  CHECK(r.out.find("  FAIL  ") == std::string::npos);
  CHECK(r.out.find("\nResult: PASS (") != std::string::npos);
}

TEST_CASE("mtia-info --check without PATH checks MTIA_PLUGIN_PATH, or exits 3",
          "[mtia-info][check]") {
  const auto configured = mtiaInfo({"--check"}, kCPlugin);
  CHECK(configured.exit_code == 0);
  CHECK(configured.out.find("plugin 'c-example'") != std::string::npos);
  const auto json = mtiaInfo({"--check", "--json"}, kCPlugin);
  CHECK(nlohmann::json::parse(json.out)["plugin"]["name"] == "c-example");
  const auto none = mtiaInfo({"--check"});
  CHECK(none.exit_code == 3);
  CHECK(none.out.find("\nFAIL: ") != std::string::npos);
}

TEST_CASE("mtia-info --check names the load step that failed and exits 4", "[mtia-info][check]") {
  const std::string path = fixturePath("fixture_major_too_high");
  const mtia::LoadReport report = mtia::checkPlugin(path);
  REQUIRE(report.failedStep() != nullptr);
  const std::string cause = report.failedStep()->detail;
  const auto r = mtiaInfo({"--check", path});
  CHECK(r.exit_code == 4);
  CHECK(r.out == report.toText() + "\n\nFAIL: load step 'negotiate' failed: " + cause + "\n");
  CHECK(r.out.find("\n  negotiate   FAILED      " + cause + "\n") != std::string::npos);

  const std::string missing = "/nonexistent/libmtia_missing.so";
  const auto m = mtiaInfo({"--check", missing});
  CHECK(m.exit_code == 4);
  CHECK(m.out == "MTIA plugin load report for '" + missing + "': FAILED at locate\n"
                 "  locate      FAILED      cannot resolve '" + missing + "': No such file or "
                 "directory\n"
                 "\n"
                 "FAIL: load step 'locate' failed: cannot resolve '" + missing + "': No such file "
                 "or directory\n");
}

TEST_CASE("mtia-info --check names the check that failed and exits 1", "[mtia-info][check]") {
  const auto r = mtiaInfo({"--check", fixturePath("fixture_bad_json")});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("\n  FAIL  device.descriptions: getDeviceCapability() failed in MTIA plugin "
                   "'fixture': the plugin returned JSON of type array, not an object "
                   "(INTERNAL)\n") != std::string::npos);
  CHECK(r.out.find("\n  SKIP  device.per_thread: needs 2 devices; the plugin has 1\n") !=
        std::string::npos);
  CHECK(r.out.find("\n  SKIP  stream.default: needs the stream group, which the plugin does not "
                   "implement: getDefaultStream() failed in MTIA plugin 'fixture': ") !=
        std::string::npos);
  CHECK(r.out.substr(r.out.find("\nResult: ")) == "\nResult: FAIL (3 passed, 3 failed, 15 skipped)\n");
}

TEST_CASE("mtia-info --check catches a plugin whose memcpy does nothing", "[mtia-info][check]") {
  const auto r = mtiaInfo({"--check", fixturePath("conformance_broken_memcpy_d2d_nop")});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("\n  FAIL  exec.memcpy: device-to-device copy of 2000 bytes from offset 74 to "
                   "offset 5, read back: byte 5 of 4096 is 0x00, expected 0x49\n") !=
        std::string::npos);
}

TEST_CASE("mtia-info --check --json reports the same as JSON", "[mtia-info][check]") {
  const auto r = mtiaInfo({"--check", fixturePath("fixture_bad_json"), "--json"});
  CHECK(r.exit_code == 1);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  CHECK(report["tool"] == "mtia-info --check");
  CHECK(report["result"] == "fail");
  CHECK(report["exit_code"] == 1);
  CHECK(report["load"] == mtia::checkPlugin(fixturePath("fixture_bad_json")).toJson());
  CHECK(report["load"]["ok"] == true);
  for (const auto& step : report["load"]["steps"]) CHECK(step["verdict"] == "ok");
  CHECK(report["checks"][0] == nlohmann::json{{"id", "device.count"},
                                              {"group", "device"},
                                              {"title", "deviceCount() is positive and the same "
                                                        "on every thread"},
                                              {"verdict", "PASS"},
                                              {"reason", "1 device"}});
  CHECK(report["summary"] == nlohmann::json{{"passed", 3}, {"failed", 3}, {"skipped", 15}});
  CHECK(report["failure"] == "check 'device.descriptions' failed: getDeviceCapability() failed "
                             "in MTIA plugin 'fixture': the plugin returned JSON of type array, "
                             "not an object (INTERNAL)");
  const auto failed_load = mtiaInfo({"--check", fixturePath("fixture_major_too_high"), "--json"});
  CHECK(failed_load.exit_code == 4);
  const nlohmann::json load = nlohmann::json::parse(failed_load.out);
  CHECK(load["exit_code"] == 4);
  CHECK(load["plugin"].is_null());
  CHECK(load["checks"].empty());
}

TEST_CASE("mtia-info rejects a bad command line with exit code 2", "[mtia-info]") {
  const auto bogus = mtiaInfo({"--bogus"});
  CHECK(bogus.exit_code == 2);
  CHECK(bogus.err.rfind("mtia-info: unknown argument '--bogus'\nusage: mtia-info", 0) == 0);
  const auto missing = mtiaInfo({"--plugin"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.rfind("mtia-info: missing PATH after '--plugin'\n", 0) == 0);
  CHECK(mtiaInfo({"--plugin", kCPlugin, "--check", kCPlugin}).exit_code == 2);
}

TEST_CASE("mtia-info --help documents the options, manifests and exit codes", "[mtia-info]") {
  const auto r = mtiaInfo({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("PATH is a plugin library, or a plugin.json manifest that names the library\n"
                   "(absolute, or relative to the manifest) and the ABI it needs. PATH may be\n"
                   "relative to the working directory; MTIA_PLUGIN_PATH must be absolute.\n") !=
        std::string::npos);
  CHECK(r.out.find("  MTIA_LOG_LEVEL    trace, debug, info, warn, error, critical, off (default "
                   "here:\n                    off, as mtia-info reports every failure itself)\n") !=
        std::string::npos);
  CHECK(r.out.find("exit codes:\n"
                   "  0  success (--check: every check that ran passed)\n"
                   "  1  a check failed (mtia-info without --check: a hook failed)\n"
                   "  2  bad command line\n"
                   "  3  no plugin configured (no PATH given, MTIA_PLUGIN_PATH unset or empty)\n"
                   "  4  the plugin failed to load (a load step failed)\n") != std::string::npos);
  CHECK(mtiaInfo({"--version"}).out ==
        "mtia-info " MTIA_HOST_VERSION " (MTIA plugin ABI " + kAbi + ")\n");
}

// ---- issue 12: whatever a plugin does, the tools exit 0-4 and print valid JSON ----

namespace {

// Every fixture plugin built into the fixture directory, found at run time:
// fixtures added later are covered without editing this test.
std::vector<std::string> everyFixture() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(MTIA_FIXTURE_DIR)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.rfind("lib", 0) == 0 &&
        name.size() > 3 && name.substr(name.size() - 3) == ".so") {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Runs a tool under timeout(1): a hang shows as 124, a signal as 128 + N.
void expectSane(const std::vector<std::string>& argv, const std::string& plugin_env,
                bool json) {
  std::vector<std::string> command{"/usr/bin/timeout", "-k", "5", "120"};
  command.insert(command.end(), argv.begin(), argv.end());
  const auto r = runProcess(command, {plugin_env, "MTIA_LOG_LEVEL"});
  std::string line;
  for (const std::string& a : argv) line += a + " ";
  INFO(line << "(" << plugin_env << ") exited " << r.exit_code << "\n" << r.out << r.err);
  CHECK(r.exit_code >= 0);
  CHECK(r.exit_code <= 4);
  if (json && r.exit_code != 2) {
    CHECK_NOTHROW(nlohmann::json::parse(r.out));
  }
}

}  // namespace

TEST_CASE("mtia-info never aborts: every mode over every fixture exits 0-4 with valid JSON",
          "[mtia-info][faults]") {
  const std::vector<std::string> fixtures = everyFixture();
  REQUIRE(fixtures.size() > 40);
  for (const std::string& f : fixtures) {
    const std::string env = "MTIA_PLUGIN_PATH=" + f;
    expectSane({MTIA_INFO_PATH}, env, false);
    expectSane({MTIA_INFO_PATH, "--json"}, env, true);
    expectSane({MTIA_INFO_PATH, "--plugin", f}, "MTIA_PLUGIN_PATH", false);
    expectSane({MTIA_INFO_PATH, "--plugin", f, "--json"}, "MTIA_PLUGIN_PATH", true);
    expectSane({MTIA_INFO_PATH, "--check", f}, "MTIA_PLUGIN_PATH", false);
    expectSane({MTIA_INFO_PATH, "--check", f, "--json"}, "MTIA_PLUGIN_PATH", true);
  }
}

TEST_CASE("mtia-conformance never aborts: text and --json over every fixture exit 0-4",
          "[conformance][faults]") {
  const std::vector<std::string> fixtures = everyFixture();
  REQUIRE(fixtures.size() > 40);
  for (const std::string& f : fixtures) {
    expectSane({MTIA_CONFORMANCE_PATH, f, "--timeout", "3"}, "MTIA_PLUGIN_PATH", false);
    expectSane({MTIA_CONFORMANCE_PATH, f, "--timeout", "3", "--json"}, "MTIA_PLUGIN_PATH", true);
  }
}

TEST_CASE("plugin text that is not UTF-8 comes out as U+FFFD in valid JSON", "[mtia-info][faults]") {
  const std::string f = fixturePath("conformance_bad_utf8");
  const std::string replaced = "1.0.0 \xEF\xBF\xBD\xEF\xBF\xBD";  // two U+FFFD
  const auto described = mtiaInfo({"--plugin", f, "--json"});
  CHECK(described.exit_code == 1);  // the properties do not parse: a hook failed
  const nlohmann::json d = nlohmann::json::parse(described.out);
  CHECK(d["plugin"]["version"] == replaced);
  CHECK(d["devices"][0]["errors"]["properties"].get<std::string>().find("ill-formed UTF-8") !=
        std::string::npos);
  const auto checked = mtiaInfo({"--check", f, "--json"});
  CHECK(checked.exit_code == 1);
  CHECK(nlohmann::json::parse(checked.out)["plugin"]["version"] == replaced);
  const auto suite = runProcess({MTIA_CONFORMANCE_PATH, f, "--json"});
  CHECK(suite.exit_code == 1);
  const nlohmann::json s = nlohmann::json::parse(suite.out);
  CHECK(s["plugin"]["version"] == replaced);
  CHECK(s["summary"]["passed"].get<int>() > 30);
}
