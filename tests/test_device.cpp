// Device hooks of the sample plugin, end to end across the C boundary.
#include "test_support.h"

#include <thread>

namespace {

struct SamplePlugin {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(mtia_test::samplePluginPath());
};

}  // namespace

TEST_CASE("Device count, availability and init", "[device]") {
  SamplePlugin p;
  CHECK(p.hooks.hasMTIA());
  CHECK(p.hooks.deviceCount() == 2);
  CHECK(p.hooks.getDeviceCount() == 2);
  CHECK(p.hooks.isAvailable());
  CHECK_NOTHROW(p.hooks.init());
}

TEST_CASE("MTIA_SAMPLE_DEVICE_COUNT configures the device count", "[device][config][simulator]") {
  {
    mtia_test::ScopedEnv env("MTIA_SAMPLE_DEVICE_COUNT", "5");
    SamplePlugin p;
    CHECK(p.hooks.deviceCount() == 5);
    CHECK(nlohmann::json::parse(p.hooks.showConfig())["device_count"] == 5);
  }
  {
    mtia_test::ScopedEnv env("MTIA_SAMPLE_DEVICE_COUNT", "0");
    SamplePlugin p;
    CHECK(p.hooks.deviceCount() == 0);
    CHECK_FALSE(p.hooks.isAvailable());
  }
  {
    mtia_test::ScopedEnv env("MTIA_SAMPLE_DEVICE_COUNT", "lots");
    const mtia::LoadError e = mtia_test::loadErrorOf(mtia_test::samplePluginPath());
    CHECK(e.step() == mtia::LoadStep::Initialize);
    CHECK(e.cause() ==
          "initialize() returned INVALID_ARGUMENT: MTIA_SAMPLE_DEVICE_COUNT='lots' is not a "
          "whole number from 0 to 64");
  }
}

TEST_CASE("Current device: set, get, exchange, maybeExchange", "[device]") {
  SamplePlugin p;
  CHECK(p.hooks.getCurrentDevice() == 0);
  p.hooks.setCurrentDevice(1);
  CHECK(p.hooks.getCurrentDevice() == 1);
  CHECK(p.hooks.exchangeDevice(0) == 1);
  CHECK(p.hooks.getCurrentDevice() == 0);
  CHECK(p.hooks.maybeExchangeDevice(1) == 0);
  CHECK(p.hooks.getCurrentDevice() == 1);
}

TEST_CASE("Out-of-range devices are rejected with the plugin's message", "[device][errors]") {
  SamplePlugin p;
  const std::string range = "is out of range: " MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1) (INVALID_ARGUMENT)";
  CHECK(mtia_test::errorOf([&] { p.hooks.setCurrentDevice(2); }) ==
        "setCurrentDevice() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 2 " + range);
  CHECK(mtia_test::errorOf([&] { p.hooks.exchangeDevice(7); }) ==
        "exchangeDevice() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 7 " + range);
  CHECK(mtia_test::errorOf([&] { p.hooks.maybeExchangeDevice(-3); }) ==
        "maybeExchangeDevice() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index -3 " + range);
  CHECK(mtia_test::errorOf([&] { p.hooks.deviceSynchronize(9); }) ==
        "deviceSynchronize() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 9 " + range);
  CHECK(mtia_test::errorOf([&] { p.hooks.hasPrimaryContext(2); }) ==
        "hasPrimaryContext() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 2 " + range);
  CHECK(mtia_test::errorOf([&] { p.hooks.getDeviceProperties(5); }) ==
        "getDeviceProperties() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 5 " + range);
  // A failed call leaves the state as it was.
  CHECK(p.hooks.getCurrentDevice() == 0);
}

TEST_CASE("Primary contexts appear when a device is first made current", "[device]") {
  SamplePlugin p;
  CHECK_FALSE(p.hooks.hasPrimaryContext(1));
  p.hooks.maybeExchangeDevice(1);  // does not create a context
  CHECK_FALSE(p.hooks.hasPrimaryContext(1));
  p.hooks.setCurrentDevice(1);
  CHECK(p.hooks.hasPrimaryContext(1));
  CHECK_FALSE(p.hooks.hasPrimaryContext(0));
  p.hooks.exchangeDevice(0);
  CHECK(p.hooks.hasPrimaryContext(0));
}

TEST_CASE("The current device is per thread", "[device][threads]") {
  SamplePlugin p;
  p.hooks.setCurrentDevice(1);
  int seen_in_thread = -1, after_set_in_thread = -1;
  std::thread t([&] {
    seen_in_thread = p.hooks.getCurrentDevice();
    p.hooks.setCurrentDevice(1);
    p.hooks.setCurrentDevice(0);
    after_set_in_thread = p.hooks.getCurrentDevice();
  });
  t.join();
  CHECK(seen_in_thread == 0);
  CHECK(after_set_in_thread == 0);
  CHECK(p.hooks.getCurrentDevice() == 1);
}

TEST_CASE("deviceSynchronize accepts every valid device", "[device]") {
  SamplePlugin p;
  CHECK_NOTHROW(p.hooks.deviceSynchronize(0));
  CHECK_NOTHROW(p.hooks.deviceSynchronize(1));
}

TEST_CASE("showConfig, capability and properties are JSON", "[device][json][simulator]") {
  SamplePlugin p;
  const nlohmann::json config = nlohmann::json::parse(p.hooks.showConfig());
  CHECK(config["plugin"] == MTIA_TEST_PLUGIN_NAME);
  CHECK(config["abi_version"] == "1.2");
  CHECK(config["device_count"] == 2);
  CHECK(p.hooks.getDeviceCapability(1) == nlohmann::json{{"major", 1}, {"minor", 0}});
  const nlohmann::json props = p.hooks.getDeviceProperties(1);
  CHECK(props["name"] == "MTIA Sample Device 1");
  CHECK(props["index"] == 1);
  CHECK(props["total_memory"] == (uint64_t{1} << 30));
}
