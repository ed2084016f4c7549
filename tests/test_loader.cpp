// PluginLoader: loading the sample plugin, and the first fault fixtures.
#include "test_support.h"

#include <sys/stat.h>

using mtia::LoadStep;
using mtia_test::fixturePath;
using mtia_test::loadErrorOf;

namespace {

// Asserts the step and the full message of a failed load.
void checkLoadError(const std::string& path, LoadStep step, const std::string& cause) {
  const mtia::LoadError e = loadErrorOf(path);
  CHECK(e.step() == step);
  CHECK(e.path() == path);
  CHECK(e.cause() == cause);
  const std::string quoted = path.empty() ? std::string() : " '" + path + "'";
  CHECK(std::string(e.what()) ==
        "cannot load MTIA plugin" + quoted + ": " + mtia::loadStepName(step) + " failed: " + cause);
}

// After a failed load the process is healthy: the sample plugin still loads.
void checkGoodLoadStillWorks() {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(mtia_test::samplePluginPath());
  CHECK(hooks.deviceCount() == 2);
}

}  // namespace

TEST_CASE("The sample plugin loads from an absolute path", "[loader]") {
  mtia::PluginLoader loader;
  CHECK_FALSE(loader.isLoaded());
  const mtia::MTIAHooksInterface& hooks = loader.load(mtia_test::samplePluginPath());
  REQUIRE(loader.isLoaded());
  CHECK(&loader.hooks() == &hooks);
  const mtia::PluginInfo& info = loader.info();
  CHECK(info.name == "mtia-sample");
  CHECK(info.version == "0.1.0");
  CHECK(info.abi_major == 1);
  CHECK(info.abi_minor == 2);
  CHECK(info.host_abi_minor == MTIA_PLUGIN_ABI_MINOR);
  CHECK(info.path == mtia_test::samplePluginPath());
  CHECK(hooks.pluginInfo() == &info);
  CHECK(hooks.hasMTIA());
  CHECK(hooks.unavailableReason().empty());
  loader.unload();
  CHECK_FALSE(loader.isLoaded());
  CHECK(mtia_test::errorOf([&] { loader.hooks(); }) ==
        "PluginLoader::hooks(): no MTIA plugin is loaded");
}

TEST_CASE("Load and unload can be repeated", "[loader][lifecycle]") {
  mtia::PluginLoader loader;
  for (int i = 0; i < 50; ++i) {
    const mtia::MTIAHooksInterface& hooks = loader.load(mtia_test::samplePluginPath());
    REQUIRE(hooks.deviceCount() == 2);
    hooks.setCurrentDevice(1);
    REQUIRE(hooks.getCurrentDevice() == 1);
    loader.unload();
  }
  // Reloading by the path of the plugin the loader holds (which unload() frees).
  loader.load(mtia_test::samplePluginPath());
  CHECK(loader.load(loader.info().path).deviceCount() == 2);
  loader.unload();
  // A fresh load starts from fresh per-thread state.
  const mtia::MTIAHooksInterface& hooks = loader.load(mtia_test::samplePluginPath());
  CHECK(hooks.getCurrentDevice() == 0);
}

TEST_CASE("A C plugin (the good fixture) loads and its absent slots throw by name",
          "[loader][c-plugin]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_good"));
  CHECK(loader.info().name == "fixture");
  CHECK(loader.info().version == "1.2.3");
  CHECK(hooks.deviceCount() == 1);
  CHECK(hooks.hasMTIA());  // absent has_mtia: a loaded plugin is a backend
  CHECK(hooks.isAvailable());
  CHECK(hooks.getCurrentDevice() == 0);
  CHECK(hooks.getDeviceCapability(0) == nlohmann::json{{"major", 0}, {"minor", 1}});
  CHECK(mtia_test::errorOf([&] { hooks.deviceSynchronize(0); }) ==
        "deviceSynchronize() failed in MTIA plugin 'fixture': the plugin does not implement this "
        "hook (slot 'device_synchronize' of plugin ABI 1.0 is absent) (NOT_SUPPORTED)");
  CHECK(mtia_test::errorOf([&] { hooks.getCurrentStream(0); }) ==
        "getCurrentStream() failed in MTIA plugin 'fixture': the plugin does not implement this "
        "hook (slot 'get_current_stream' of plugin ABI 1.0 is absent) (NOT_SUPPORTED)");
  CHECK(mtia_test::errorOf([&] { hooks.getPinnedMemoryAllocator(); }) ==
        "getPinnedMemoryAllocator() failed in MTIA plugin 'fixture': the plugin does not "
        "implement this hook (slot 'pinned_alloc' of plugin ABI 1.0 is absent) (NOT_SUPPORTED)");
  CHECK(mtia_test::errorOf([&] { hooks.createStream(0); }) ==
        "createStream() failed in MTIA plugin 'fixture': the plugin does not provide the "
        "'mtia.streams/1' extension (NOT_SUPPORTED)");
  // A plugin error carries the plugin's own message and code.
  try {
    hooks.setCurrentDevice(3);
    FAIL("expected PluginError");
  } catch (const mtia::PluginError& e) {
    CHECK(e.hook() == "setCurrentDevice");
    CHECK(e.plugin() == "fixture");
    CHECK(e.code() == MTIA_STATUS_INVALID_ARGUMENT);
    CHECK(e.message() == "fixture: only device 0 exists");
    CHECK(std::string(e.what()) ==
          "setCurrentDevice() failed in MTIA plugin 'fixture': fixture: only device 0 exists "
          "(INVALID_ARGUMENT)");
  }
}

TEST_CASE("Every hook of an absent slot names the hook and the slot, whatever its arguments",
          "[loader][c-plugin]") {
  // fixture_good implements only the required slots, show_config,
  // memory_stats and get_device_capability; it is a 1.0 plugin.
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_good"));
  const auto absent = [](const std::string& hook, const std::string& slot) {
    return hook + "() failed in MTIA plugin 'fixture': the plugin does not implement this hook "
                  "(slot '" + slot + "' of plugin ABI 1.0 is absent) (NOT_SUPPORTED)";
  };
  using mtia_test::errorOf;
  const mtia::Stream stream(0, mtia::Device(mtia::DeviceType::MTIA, 0));
  CHECK(errorOf([&] { hooks.hasPrimaryContext(0); }) == absent("hasPrimaryContext", "has_primary_context"));
  CHECK(errorOf([&] { hooks.exchangeDevice(0); }) == absent("exchangeDevice", "exchange_device"));
  CHECK(errorOf([&] { hooks.maybeExchangeDevice(0); }) ==
        absent("maybeExchangeDevice", "maybe_exchange_device"));
  CHECK(errorOf([&] { hooks.getCurrentRawStream(-1); }) ==
        absent("getCurrentRawStream", "get_current_raw_stream"));
  CHECK(errorOf([&] { hooks.getDefaultStream(0); }) == absent("getDefaultStream", "get_default_stream"));
  CHECK(errorOf([&] { hooks.setCurrentStream(stream); }) ==
        absent("setCurrentStream", "set_current_stream"));
  CHECK(errorOf([&] { hooks.isPinnedPtr(nullptr); }) == absent("isPinnedPtr", "is_pinned_ptr"));
  CHECK(errorOf([&] { hooks.deviceAlloc(0, 16); }) == absent("deviceAlloc", "device_alloc"));
  CHECK(errorOf([&] { hooks.deviceFree(nullptr); }) == absent("deviceFree", "device_free"));
  CHECK(errorOf([&] { hooks.getDeviceProperties(0); }) ==
        absent("getDeviceProperties", "get_device_properties"));
  CHECK(errorOf([&] { hooks.emptyCache(); }) == absent("emptyCache", "empty_cache"));
  CHECK(errorOf([&] { hooks.resetPeakMemoryStats(0); }) ==
        absent("resetPeakMemoryStats", "reset_peak_memory_stats"));
  CHECK(errorOf([&] { hooks.mtiagraphCreate(); }) == absent("mtiagraphCreate", "graph_create"));
  CHECK(errorOf([&] { hooks.mtiagraphReplay(0); }) == absent("mtiagraphReplay", "graph_replay"));
  CHECK(errorOf([&] { hooks.mtiagraphPool(0); }) == absent("mtiagraphPool", "graph_pool"));
  CHECK(errorOf([&] { hooks.graphPoolHandle(); }) ==
        "graphPoolHandle() failed in MTIA plugin 'fixture': slot 'graph_pool_handle' requires plugin "
        "ABI 1.1; plugin implements 1.0 (NOT_SUPPORTED)");
  // Arguments the hook would refuse: the absent slot is reported first.
  CHECK(errorOf([&] { hooks.recordMemoryHistory(std::string("a\0b", 3), "all", 10); }) ==
        absent("recordMemoryHistory", "record_memory_history"));
  CHECK(errorOf([&] { hooks.memorySnapshot(std::string("p\0q", 3)); }) ==
        absent("memorySnapshot", "memory_snapshot"));
  CHECK(errorOf([&] { hooks.attachOutOfMemoryObserver({}); }) ==
        absent("attachOutOfMemoryObserver", "attach_oom_observer"));
  // Slots whose NULL has a meaning keep it.
  CHECK_NOTHROW(hooks.init());
  CHECK(hooks.getExtension(MTIA_EXT_STREAMS_V1) == nullptr);
}

TEST_CASE("A pinned allocator kept across loads fails cleanly on a plugin without pinned memory",
          "[loader][c-plugin]") {
  mtia::PluginLoader loader;
  mtia::Allocator* pinned = loader.load(mtia_test::samplePluginPath()).getPinnedMemoryAllocator();
  REQUIRE(pinned != nullptr);
  CHECK(pinned->allocate(64).get() != nullptr);
  loader.unload();
  loader.load(fixturePath("fixture_good"));
  // The allocator belongs to the loader's adapter, now bound to a plugin
  // without pinned_alloc: its call is the absent-slot error, not a NULL call.
  CHECK(mtia_test::errorOf([&] { pinned->allocate(64); }) ==
        "getPinnedMemoryAllocator()->allocate() failed in MTIA plugin 'fixture': the plugin does "
        "not implement this hook (slot 'pinned_alloc' of plugin ABI 1.0 is absent) (NOT_SUPPORTED)");
}

TEST_CASE("Locate: missing, relative, directory and empty paths", "[loader][faults]") {
  checkLoadError("/nonexistent/libmtia_nothing.so", LoadStep::Locate,
                 "cannot resolve '/nonexistent/libmtia_nothing.so': No such file or directory");
  checkLoadError("libmtia_sample_plugin.so", LoadStep::Locate,
                 "the plugin path must be absolute (a relative path or bare name would let the "
                 "dynamic linker search LD_LIBRARY_PATH and the system cache)");
  mtia_test::TempDir dir;
  checkLoadError(dir.path(), LoadStep::Locate,
                 "'" + dir.path() + "' is not a regular file (it is a directory)");
  checkLoadError("", LoadStep::Locate, "the plugin path is empty");
  checkGoodLoadStillWorks();
}

TEST_CASE("Inspect: a file that is not ELF, and an empty file", "[loader][faults]") {
  mtia_test::TempDir dir;
  const std::string text =
      dir.write("libnot_elf.so", std::string(200, '#') + "\nthis is not a shared library\n");
  checkLoadError(text, LoadStep::Inspect,
                 "'" + text + "' is not an ELF file (it does not start with the ELF magic bytes)");
  const std::string empty = dir.write("libempty.so", "");
  checkLoadError(empty, LoadStep::Inspect, "'" + empty + "' is empty");
  checkGoodLoadStillWorks();
}

TEST_CASE("Open: an unresolved symbol fails at load time, naming it", "[loader][faults]") {
  const std::string path = fixturePath("fixture_unresolved_symbol");
  const mtia::LoadError e = loadErrorOf(path);
  CHECK(e.step() == LoadStep::Open);
  CHECK_THAT(e.cause(), Catch::Contains("undefined symbol: mtia_fixture_symbol_nobody_defines"));
}

TEST_CASE("Resolve: the entry symbol is missing", "[loader][faults]") {
  const std::string path = fixturePath("fixture_no_entry");
  const mtia::LoadError e = loadErrorOf(path);
  CHECK(e.step() == LoadStep::Resolve);
  CHECK_THAT(e.cause(), Catch::StartsWith("the library does not export 'mtia_plugin_get_api' ("));
  CHECK_THAT(e.cause(), Catch::Contains("undefined symbol: mtia_plugin_get_api"));
  checkGoodLoadStillWorks();
}

TEST_CASE("Query: the entry point fails, or returns no table", "[loader][faults]") {
  checkLoadError(fixturePath("fixture_entry_fails"), LoadStep::Query,
                 "mtia_plugin_get_api() returned VERSION_MISMATCH: fixture: this plugin refuses "
                 "every host");
  checkLoadError(fixturePath("fixture_entry_null_table"), LoadStep::Query,
                 "mtia_plugin_get_api() returned OK but no function table");
}

TEST_CASE("Negotiate: ABI major too high or too low", "[loader][faults]") {
  checkLoadError(fixturePath("fixture_major_too_high"), LoadStep::Negotiate,
                 "plugin implements MTIA plugin ABI 2.0; this host supports 1.0-1.2: rebuild the "
                 "plugin against plugin_abi 1.x or upgrade the host");
  checkLoadError(fixturePath("fixture_major_too_low"), LoadStep::Negotiate,
                 "plugin implements MTIA plugin ABI 0.0; this host supports 1.0-1.2: the plugin "
                 "is too old; rebuild it against plugin_abi 1.2");
  checkGoodLoadStillWorks();
}

TEST_CASE("Validate: struct_size too small, a required slot NULL", "[loader][faults]") {
  checkLoadError(fixturePath("fixture_struct_too_small"), LoadStep::Validate,
                 "the function table's struct_size is 64 bytes, smaller than the " +
                     std::to_string(static_cast<size_t>(MTIA_PLUGIN_API_SIZE_1_0)) + " bytes that ABI 1.0 requires");
  checkLoadError(fixturePath("fixture_null_required"), LoadStep::Validate,
                 "required slot 'get_current_device' is NULL");
  checkGoodLoadStillWorks();
}

TEST_CASE("Initialize: the plugin's initialize() fails", "[loader][faults]") {
  checkLoadError(fixturePath("fixture_init_fails"), LoadStep::Initialize,
                 "initialize() returned UNAVAILABLE: fixture: the simulated firmware did not "
                 "answer");
}

TEST_CASE("Bad results from a plugin are errors naming the hook", "[loader][faults]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_bad_json"));
  CHECK_THAT(mtia_test::errorOf([&] { hooks.showConfig(); }),
             Catch::StartsWith("showConfig() failed in MTIA plugin 'fixture': the plugin returned "
                               "malformed JSON: [json.exception.parse_error.101]"));
  CHECK(mtia_test::errorOf([&] { hooks.memoryStats(0); }) ==
        "memoryStats() failed in MTIA plugin 'fixture': the plugin's result has no "
        "\"dram\".\"allocated_bytes\" (INTERNAL)");
  CHECK(mtia_test::errorOf([&] { hooks.getDeviceCapability(0); }) ==
        "getDeviceCapability() failed in MTIA plugin 'fixture': the plugin returned JSON of type "
        "array, not an object (INTERNAL)");
}

TEST_CASE("A device index beyond DeviceIndex is an error, not a wrap-around", "[loader][faults]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_bad_device_index"));
  CHECK(mtia_test::errorOf([&] { hooks.getCurrentDevice(); }) ==
        "getCurrentDevice() failed in MTIA plugin 'fixture': the plugin returned device index "
        "300, but deviceCount() was 1 at load (INTERNAL)");
}
