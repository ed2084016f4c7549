// Untrusted plugins (issue 12, items 3, 4, 5, 9, 10): exceptions of any type
// at every crossing, text that is not UTF-8 or too long, misuse of the result
// sink, results outside the documented schema, caller strings with NUL bytes.
// Every misbehaviour is an exact error naming the plugin and the hook, never
// a crash, an escaped exception or a silently accepted value.
#include "test_support.h"

#include "fixture_counters.h"
#include "sink.h"
#include "text.h"

#include <mtia/plugin_abi.h>

#include <unistd.h>

#include <string>

namespace {

using mtia::LoadStep;
using mtia_test::errorOf;
using mtia_test::fixturePath;

const std::string kFFFD = "\xEF\xBF\xBD";  // U+FFFD
const std::string kNoExceptions =
    " (exceptions must not cross the plugin ABI; catch them inside the plugin, e.g. with "
    "mtia::plugin::guard)";

// The LoadError that load() throws, or FAIL (also when it throws anything else).
mtia::LoadError loadFailure(const std::string& path) {
  mtia::PluginLoader loader;
  try {
    loader.load(path);
  } catch (const mtia::LoadError& e) {
    return e;
  } catch (...) {
    FAIL("load() threw something other than LoadError");
  }
  FAIL("expected a LoadError");
  throw std::logic_error("unreachable");
}

// True when `text` is valid UTF-8 (and so serialisable as JSON).
bool isUtf8(const std::string& text) { return mtia::detail::validUtf8(text) == text; }

}  // namespace

// ---- 3. exceptions --------------------------------------------------------------

TEST_CASE("An exception of any type thrown by the entry point fails the query step",
          "[untrusted][exceptions]") {
  const auto [kind, what] = GENERATE(table<int, std::string>({
      {1, "fixture: the entry point threw"},
      {2, "an exception of type 'int'"},
      {3, "an exception of type '(anonymous namespace)::NotAnException'"},
  }));
  const std::string path = fixturePath("fixture_entry_throws_" + std::to_string(kind));
  const mtia::LoadError e = loadFailure(path);
  CHECK(e.step() == LoadStep::Query);
  CHECK(e.cause() == "mtia_plugin_get_api() let a C++ exception escape into the host: " + what +
                         kNoExceptions);
  // checkPlugin() never throws; the report names the failed step.
  mtia::LoadReport report;
  REQUIRE_NOTHROW(report = mtia::checkPlugin(path));
  REQUIRE(report.failedStep() != nullptr);
  CHECK(report.failedStep()->step == LoadStep::Query);
  CHECK(report.error == e.what());
}

TEST_CASE("getMTIAHooks() never throws and loads once when the entry point throws a non-std "
          "exception",
          "[untrusted][exceptions]") {
  mtia_test::ScopedEnv env("MTIA_PLUGIN_PATH", fixturePath("fixture_entry_throws_3").c_str());
  fixture_reset_counts();
  for (int i = 0; i < 3; ++i) {
    const mtia::MTIAHooksInterface* hooks = nullptr;
    REQUIRE_NOTHROW(hooks = &mtia::getMTIAHooks());
    CHECK(hooks->pluginInfo() == nullptr);  // the stub
  }
  CHECK(fixture_counted("entry") == 1);
  mtia::GlobalLoadStatus status;
  REQUIRE_NOTHROW(status = mtia::globalLoadStatus());
  CHECK_FALSE(status.loaded);
  CHECK(status.reason.rfind(
            "The MTIA plugin failed to load: cannot load MTIA plugin '" +
                fixturePath("fixture_entry_throws_3") +
                "': query failed: mtia_plugin_get_api() let a C++ exception escape into the "
                "host: an exception of type '(anonymous namespace)::NotAnException'",
            0) == 0);
}

TEST_CASE("An exception escaping any slot is PluginError(INTERNAL) naming plugin and hook",
          "[untrusted][exceptions]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_slots_throw"));
  const std::string escaped = "the plugin let a C++ exception escape into the host: ";
  CHECK(errorOf([&] { hooks.deviceSynchronize(0); }) ==
        "deviceSynchronize() failed in MTIA plugin 'fixture': " + escaped +
            "fixture: synchronize blew up" + kNoExceptions + " (INTERNAL)");
  CHECK(errorOf([&] { hooks.showConfig(); }) ==
        "showConfig() failed in MTIA plugin 'fixture': " + escaped +
            "an exception of type 'int'" + kNoExceptions + " (INTERNAL)");
  CHECK(errorOf([&] { hooks.getCurrentDevice(); }) ==
        "getCurrentDevice() failed in MTIA plugin 'fixture': " + escaped +
            "fixture: no current device" + kNoExceptions + " (INTERNAL)");
  CHECK(errorOf([&] { hooks.memoryStats(0); }) ==
        "memoryStats() failed in MTIA plugin 'fixture': " + escaped + "std::bad_alloc" +
            kNoExceptions + " (INTERNAL)");
  CHECK(errorOf([&] { hooks.getExtension("mtia.anything/1"); }) ==
        "getExtension() failed in MTIA plugin 'fixture': " + escaped +
            "an exception of type 'double'" + kNoExceptions + " (INTERNAL)");
  bool available = true;
  REQUIRE_NOTHROW(available = hooks.isAvailable());
  CHECK_FALSE(available);
  // The hooks still work after each escape.
  CHECK(hooks.deviceCount() == 1);
}

// ---- 4. text --------------------------------------------------------------------

TEST_CASE("validUtf8 replaces every byte outside a well-formed sequence with U+FFFD",
          "[untrusted][text]") {
  using mtia::detail::validUtf8;
  CHECK(validUtf8("plain ascii") == "plain ascii");
  CHECK(validUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  CHECK(validUtf8("a\xFF" "b") == "a" + kFFFD + "b");
  CHECK(validUtf8("\xC0\xAF") == kFFFD + kFFFD);                   // overlong '/'
  CHECK(validUtf8("\xED\xA0\x80") == kFFFD + kFFFD + kFFFD);       // a surrogate
  CHECK(validUtf8("\xF4\x90\x80\x80") == kFFFD + kFFFD + kFFFD + kFFFD);  // above U+10FFFF
  CHECK(validUtf8("\xE2\x82") == kFFFD + kFFFD);                   // cut short
  CHECK(validUtf8(std::string("a\0b", 3)) == std::string("a\0b", 3));
}

TEST_CASE("pluginText reads at most the cap and cuts at a character boundary",
          "[untrusted][text]") {
  using mtia::detail::pluginText;
  CHECK(pluginText(static_cast<const char*>(nullptr)) == "");
  CHECK(pluginText("abcdef", 6) == "abcdef");
  CHECK(pluginText("abcdefg", 6) == "abcdef [truncated: longer than 6 bytes]");
  CHECK(pluginText("abcd\xC3\xA9xyz", 5) == "abcd [truncated: longer than 5 bytes]");
  // Not NUL-terminated within cap + 1 bytes: nothing beyond is read.
  const char unterminated[4] = {'a', 'b', 'c', 'd'};
  CHECK(pluginText(unterminated, 2) == "ab [truncated: longer than 2 bytes]");
}

TEST_CASE("Plugin text that is not UTF-8 is replaced where it enters the host",
          "[untrusted][text]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_bad_text"));
  CHECK(loader.info().name == "fixture-" + kFFFD);
  CHECK(loader.info().version == "1.2.3-" + kFFFD + kFFFD);
  const std::string dumped = loader.lastReport().toJson().dump();  // must not throw
  CHECK(dumped.find("\"name\":\"fixture-" + kFFFD + "\"") != std::string::npos);
  const std::string prefix = "MTIA plugin 'fixture-" + kFFFD + "': ";
  CHECK(errorOf([&] { hooks.setCurrentDevice(3); }) ==
        "setCurrentDevice() failed in " + prefix + "fixture: no device " + kFFFD +
            " here (INVALID_ARGUMENT)");
  const std::string json_error = errorOf([&] { hooks.showConfig(); });
  CHECK(json_error.rfind("showConfig() failed in " + prefix +
                             "the plugin returned malformed JSON: [json.exception.parse_error.101]",
                         0) == 0);
  CHECK(isUtf8(json_error));
}

TEST_CASE("A plugin message longer than 64 KiB is cut, with a note", "[untrusted][text]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_bad_text"));
  try {
    hooks.deviceSynchronize(0);
    FAIL("expected PluginError");
  } catch (const mtia::PluginError& e) {
    CHECK(e.message() == std::string(65536, 'x') + " [truncated: longer than 65536 bytes]");
    CHECK(e.code() == MTIA_STATUS_INTERNAL);
  }
}

TEST_CASE("A path that is not UTF-8 still gives a load report that serialises",
          "[untrusted][text]") {
  mtia_test::TempDir dir;
  const std::string link = dir.path() + "/lib\xFF\xFE.so";
  REQUIRE(symlink(fixturePath("fixture_good").c_str(), link.c_str()) == 0);
  const mtia::LoadReport report = mtia::checkPlugin(link);
  CHECK(report.ok);
  std::string dumped;
  REQUIRE_NOTHROW(dumped = report.toJson().dump());
  CHECK(dumped.find("/lib" + kFFFD + kFFFD + ".so") != std::string::npos);
}

TEST_CASE("The entry point's error text is capped at 64 KiB", "[untrusted][text]") {
  const mtia::LoadError e = loadFailure(fixturePath("fixture_entry_text_flood"));
  CHECK(e.step() == LoadStep::Query);
  CHECK(e.cause() == "mtia_plugin_get_api() returned INTERNAL (the plugin wrote more than the "
                     "65536-byte cap on error text)");
}

TEST_CASE("A plugin_name longer than 256 bytes fails the validate step", "[untrusted][text]") {
  const mtia::LoadError e = loadFailure(fixturePath("fixture_long_name"));
  CHECK(e.step() == LoadStep::Validate);
  CHECK(e.cause() == "the function table's plugin_name is longer than 256 bytes");
}

// ---- 5. the sink ------------------------------------------------------------------

TEST_CASE("The host sink turns every misuse into a problem, keeping the first",
          "[untrusted][sink]") {
  mtia::detail::StringSink sink(8);
  const mtia_sink_t* s = sink.sink();
  s->write(s->user_data, nullptr, 0);  // nothing to write: fine
  s->write(s->user_data, "abcd", 4);
  s->write(s->user_data, "efgh", 4);  // exactly the cap
  CHECK(sink.problem() == "");
  CHECK(sink.text() == "abcdefgh");
  s->write(s->user_data, "i", 1);
  CHECK(sink.problem() == "the plugin wrote more than the 8-byte cap on JSON results");
  s->write(s->user_data, nullptr, 3);
  CHECK(sink.problem() == "the plugin wrote more than the 8-byte cap on JSON results");
  CHECK(sink.text() == "abcdefgh");

  mtia::detail::StringSink null_data(8);
  null_data.sink()->write(null_data.sink()->user_data, nullptr, 3);
  CHECK(null_data.problem() == "the plugin called the sink's write() with NULL data and size 3");

  mtia::detail::StringSink huge(8);
  huge.describe("error text");
  huge.sink()->write(huge.sink()->user_data, "x", 1);
  huge.sink()->write(huge.sink()->user_data, "y", SIZE_MAX);  // size arithmetic cannot wrap
  CHECK(huge.problem() == "the plugin wrote more than the 8-byte cap on error text");
  CHECK(huge.text() == "x");
}

TEST_CASE("Every JSON slot treats sink misuse and overflow as an error on its hook",
          "[untrusted][sink]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_sink_misuse"));
  const std::string cap = "the plugin wrote more than the 67108864-byte cap on JSON results";
  CHECK(errorOf([&] { hooks.showConfig(); }) ==
        "showConfig() failed in MTIA plugin 'fixture': the plugin called the sink's write() "
        "with NULL data and size 5 (INTERNAL)");
  CHECK(errorOf([&] { hooks.memoryStats(0); }) ==
        "memoryStats() failed in MTIA plugin 'fixture': " + cap + " (INTERNAL)");
  CHECK(errorOf([&] { hooks.memorySnapshot(std::nullopt); }) ==
        "memorySnapshot() failed in MTIA plugin 'fixture': " + cap + " (INTERNAL)");
  CHECK(errorOf([&] { hooks.getDeviceCapability(0); }) ==
        "getDeviceCapability() failed in MTIA plugin 'fixture': " + cap + " (INTERNAL)");
}

// ---- 9. results -------------------------------------------------------------------

TEST_CASE("Memory stats are checked against the schema", "[untrusted][results]") {
  const auto [device, message] = GENERATE(table<int, std::string>({
      {0, "the plugin's \"dram\".\"allocated_bytes\" is -1, not an integer in "
          "0..18446744073709551615"},
      {1, "the plugin's \"dram\".\"allocated_bytes\" is 1.5, not an integer in "
          "0..18446744073709551615"},
      {2, "the plugin's \"dram\".\"peak_bytes\" (10) is below \"allocated_bytes\" (20)"},
      {3, "the plugin returned JSON with the key \"peak_bytes\" twice in one object"},
      {4, "the plugin's \"dram\".\"allocated_bytes\" is of type string, not an integer in "
          "0..18446744073709551615"},
      {5, "the plugin's \"dram\".\"peak_reserved_bytes\" (4) is below \"reserved_bytes\" (8)"},
      {6, "the plugin's \"dram\".\"cached_bytes\" is -3, not an integer in "
          "0..18446744073709551615"},
      {7, "the plugin returned JSON with a NUL byte at offset 49"},
      {8, "the plugin's memory stats lack a \"dram\" object"},
  }));
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_bad_results"));
  CHECK(errorOf([&] { hooks.memoryStats(static_cast<mtia::DeviceIndex>(device)); }) ==
        "memoryStats() failed in MTIA plugin 'fixture': " + message + " (INTERNAL)");
}

TEST_CASE("Device capability and properties are checked against the schema",
          "[untrusted][results]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_bad_results"));
  const std::string cap = "getDeviceCapability() failed in MTIA plugin 'fixture': the plugin's ";
  CHECK(errorOf([&] { hooks.getDeviceCapability(0); }) ==
        cap + "\"major\" is -1, not an integer in 0..2147483647 (INTERNAL)");
  CHECK(errorOf([&] { hooks.getDeviceCapability(1); }) ==
        cap + "\"minor\" is 0.5, not an integer in 0..2147483647 (INTERNAL)");
  CHECK(errorOf([&] { hooks.getDeviceCapability(2); }) ==
        "getDeviceCapability() failed in MTIA plugin 'fixture': the plugin's result has no "
        "\"minor\" (INTERNAL)");
  CHECK(errorOf([&] { hooks.getDeviceCapability(3); }) ==
        cap + "\"minor\" is 4294967296, not an integer in 0..2147483647 (INTERNAL)");
  const std::string props = "getDeviceProperties() failed in MTIA plugin 'fixture': the plugin's ";
  CHECK(errorOf([&] { hooks.getDeviceProperties(0); }) ==
        props + "device properties lack a string \"name\" (INTERNAL)");
  CHECK(errorOf([&] { hooks.getDeviceProperties(1); }) ==
        props + "\"total_memory\" is -1024, not an integer in 0..18446744073709551615 (INTERNAL)");
  CHECK(errorOf([&] { hooks.getDeviceProperties(2); }) ==
        props + "device properties lack a string \"name\" (INTERNAL)");
}

TEST_CASE("Devices and streams the plugin returns are checked against deviceCount() and the "
          "MTIA device type",
          "[untrusted][results]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_bad_results"));
  const std::string prefix = "() failed in MTIA plugin 'fixture': the plugin returned ";
  CHECK(errorOf([&] { hooks.getCurrentDevice(); }) ==
        "getCurrentDevice" + prefix + "device index 1, but deviceCount() was 1 at load (INTERNAL)");
  CHECK(errorOf([&] { hooks.exchangeDevice(0); }) ==
        "exchangeDevice" + prefix + "device index 5, but deviceCount() was 1 at load (INTERNAL)");
  CHECK(errorOf([&] { hooks.getCurrentStream(0); }) ==
        "getCurrentStream" + prefix + "a stream of device type 7, not MTIA (19) (INTERNAL)");
  CHECK(errorOf([&] { hooks.getDefaultStream(0); }) ==
        "getDefaultStream" + prefix + "device index 1, but deviceCount() was 1 at load (INTERNAL)");
}

TEST_CASE("A successful allocation without memory for a non-zero size is INTERNAL",
          "[untrusted][results]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_bad_results"));
  CHECK(errorOf([&] { hooks.deviceAlloc(0, 64); }) ==
        "deviceAlloc() failed in MTIA plugin 'fixture': the plugin's device_alloc returned OK "
        "but no memory for 64 bytes (INTERNAL)");
  CHECK(hooks.deviceAlloc(0, 0) == nullptr);
  CHECK(errorOf([&] { hooks.getPinnedMemoryAllocator()->allocate(16); }) ==
        "getPinnedMemoryAllocator()->allocate() failed in MTIA plugin 'fixture': the plugin's "
        "pinned_alloc returned OK but no memory for 16 bytes (INTERNAL)");
}

TEST_CASE("Failures keep unknown status codes and never show a stale message",
          "[untrusted][results]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_bad_results"));
  CHECK(errorOf([&] { hooks.emptyCache(); }) ==
        "emptyCache() failed in MTIA plugin 'fixture': fixture: odd code (unknown status 42)");
  CHECK(errorOf([&] { hooks.setCurrentDevice(9); }) ==
        "setCurrentDevice() failed in MTIA plugin 'fixture': fixture: only device 0 exists "
        "(INVALID_ARGUMENT)");
  CHECK(errorOf([&] { hooks.deviceSynchronize(0); }) ==
        "deviceSynchronize() failed in MTIA plugin 'fixture': the plugin reported a failure but "
        "set no error (its last error, INVALID_ARGUMENT, is left over from an earlier call) "
        "(NOT_FOUND)");
  CHECK(errorOf([&] { hooks.resetPeakMemoryStats(0); }) ==
        "resetPeakMemoryStats() failed in MTIA plugin 'fixture': the plugin reported "
        "INVALID_STATE without a message (INVALID_STATE)");
  CHECK(mtia::statusLabel(MTIA_STATUS_NOT_FOUND) == "NOT_FOUND");
  CHECK(mtia::statusLabel(-3) == "unknown status -3");
}

// ---- 10. caller strings -----------------------------------------------------------

TEST_CASE("Caller strings with a NUL byte are INVALID_ARGUMENT, not cut at the boundary",
          "[untrusted][caller]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_bad_results"));
  const std::string nul = " contains a NUL byte at offset ";
  const std::string tail = " (a C string would end there) (INVALID_ARGUMENT)";
  CHECK(errorOf([&] { hooks.memorySnapshot(std::string("/tmp/a\0b.json", 13)); }) ==
        "memorySnapshot() failed in MTIA plugin 'fixture': the path" + nul + "6" + tail);
  CHECK(errorOf([&] { hooks.recordMemoryHistory(std::string("all\0", 4), "python", 10); }) ==
        "recordMemoryHistory() failed in MTIA plugin 'fixture': the enabled mode" + nul + "3" +
            tail);
  CHECK(errorOf([&] { hooks.recordMemoryHistory("all", std::string("py\0thon", 7), 10); }) ==
        "recordMemoryHistory() failed in MTIA plugin 'fixture': the stacks mode" + nul + "2" +
            tail);
  CHECK_NOTHROW(hooks.recordMemoryHistory("all", "python", 10));
  CHECK(hooks.memorySnapshot(std::string("/tmp/a.json")) == nlohmann::json{{"segments", nlohmann::json::array()}});
}
