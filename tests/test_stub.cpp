// Without a plugin, every hook behaves as PyTorch's MTIA stub.
#include "test_support.h"

#include <functional>
#include <utility>
#include <vector>

namespace {

// CTest runs every test with MTIA_PLUGIN_PATH set and empty, which disables
// manifest discovery (test_discovery.cpp covers the other cases).
const char* const kNoPluginReason =
    "No MTIA plugin is configured: MTIA_PLUGIN_PATH is empty, which disables plugin discovery; "
    "set it to the absolute path of an MTIA plugin library, or unset it to search the plugins.d "
    "folders.";

// Every hook the stub fails, with the name its message uses.
std::vector<std::pair<std::string, std::function<void(const mtia::MTIAHooksInterface&)>>>
throwingHooks() {
  using H = const mtia::MTIAHooksInterface&;
  const mtia::Stream s(0, mtia::Device(mtia::DeviceType::MTIA, 0));
  return {
      {"deviceSynchronize", [](H h) { h.deviceSynchronize(0); }},
      {"showConfig", [](H h) { h.showConfig(); }},
      {"setCurrentDevice", [](H h) { h.setCurrentDevice(0); }},
      {"getCurrentDevice", [](H h) { h.getCurrentDevice(); }},
      {"exchangeDevice", [](H h) { h.exchangeDevice(0); }},
      {"maybeExchangeDevice", [](H h) { h.maybeExchangeDevice(0); }},
      {"getCurrentStream", [](H h) { h.getCurrentStream(0); }},
      {"getCurrentRawStream", [](H h) { h.getCurrentRawStream(0); }},
      {"getDefaultStream", [](H h) { h.getDefaultStream(0); }},
      {"setCurrentStream", [s](H h) { h.setCurrentStream(s); }},
      {"getPinnedMemoryAllocator", [](H h) { h.getPinnedMemoryAllocator(); }},
      {"memoryStats", [](H h) { h.memoryStats(0); }},
      {"getDeviceCapability", [](H h) { h.getDeviceCapability(0); }},
      {"getDeviceProperties", [](H h) { h.getDeviceProperties(0); }},
      {"emptyCache", [](H h) { h.emptyCache(); }},
      {"recordMemoryHistory", [](H h) { h.recordMemoryHistory("all", "python", 100); }},
      {"memorySnapshot", [](H h) { h.memorySnapshot(std::nullopt); }},
      {"getDeviceCount", [](H h) { h.getDeviceCount(); }},
      {"resetPeakMemoryStats", [](H h) { h.resetPeakMemoryStats(0); }},
      {"attachOutOfMemoryObserver",
       [](H h) { h.attachOutOfMemoryObserver([](int64_t, uint64_t, uint64_t, uint64_t) {}); }},
      {"mtiagraphCreate", [](H h) { h.mtiagraphCreate(false); }},
      {"mtiagraphDestroy", [](H h) { h.mtiagraphDestroy(1); }},
      {"mtiagraphCaptureBegin", [](H h) { h.mtiagraphCaptureBegin(1, {0, 0}); }},
      {"mtiagraphCaptureEnd", [](H h) { h.mtiagraphCaptureEnd(1); }},
      {"mtiagraphInstantiate", [](H h) { h.mtiagraphInstantiate(1); }},
      {"mtiagraphReplay", [](H h) { h.mtiagraphReplay(1); }},
      {"mtiagraphReset", [](H h) { h.mtiagraphReset(1); }},
      {"mtiagraphPool", [](H h) { h.mtiagraphPool(1); }},
      {"graphPoolHandle", [](H h) { h.graphPoolHandle(); }},
      {"createStream", [](H h) { h.createStream(0); }},
      {"deviceAlloc", [](H h) { h.deviceAlloc(0, 64); }},
      {"deviceFree", [](H h) { h.deviceFree(nullptr); }},
  };
}

void checkNonThrowingDefaults(const mtia::MTIAHooksInterface& hooks) {
  CHECK_NOTHROW(hooks.init());
  CHECK_FALSE(hooks.hasMTIA());
  CHECK(hooks.deviceCount() == 0);
  CHECK_FALSE(hooks.hasPrimaryContext(0));
  int x = 0;
  CHECK_FALSE(hooks.isPinnedPtr(&x));
  CHECK_FALSE(hooks.isAvailable());
  CHECK(hooks.getExtension(MTIA_EXT_STREAMS_V1) == nullptr);
  CHECK(hooks.pluginInfo() == nullptr);
}

}  // namespace

TEST_CASE("The plain stub keeps PyTorch's messages word for word", "[stub]") {
  const mtia::MTIAHooksInterface stub;
  checkNonThrowingDefaults(stub);
  for (const auto& [name, call] : throwingHooks()) {
    INFO(name);
    CHECK(mtia_test::errorOf([&] { call(stub); }) ==
          "Cannot execute " + name + "() without MTIA backend.");
  }
}

TEST_CASE("MTIA_HELP is PyTorch's text", "[stub]") {
  CHECK(std::string(mtia::MTIA_HELP) ==
        "The MTIA backend requires MTIA extension for PyTorch;this error has occurred because you "
        "are trying to use some MTIA's functionality without MTIA extension included.");
}

TEST_CASE("Without MTIA_PLUGIN_PATH, getMTIAHooks() is the stub and says why", "[stub][global]") {
  const char* configured = std::getenv("MTIA_PLUGIN_PATH");
  REQUIRE((configured != nullptr && *configured == '\0'));
  const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
  CHECK(&hooks == &mtia::getMTIAHooks());
  CHECK_FALSE(mtia::isMTIAHooksBuilt());
  checkNonThrowingDefaults(hooks);
  for (const auto& [name, call] : throwingHooks()) {
    INFO(name);
    CHECK(mtia_test::errorOf([&] { call(hooks); }) ==
          "Cannot execute " + name + "() without MTIA backend. " + kNoPluginReason);
  }
  const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
  CHECK_FALSE(status.configured);
  CHECK_FALSE(status.loaded);
  CHECK(status.reason == kNoPluginReason);
}
