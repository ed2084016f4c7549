// The examples: examples/host_app (the program docs/host-guide.md walks
// through) run against examples/c_plugin (the plain-C plugin of
// docs/plugin-guide.md), against the sample plugin, and without a plugin.
#include "run_process.h"
#include "test_support.h"

#include <string>

namespace {

mtia_test::ProcessResult hostApp(const std::string& plugin) {
  return mtia_test::runProcess(
      {MTIA_HOST_APP_PATH},
      {plugin.empty() ? "MTIA_PLUGIN_PATH" : "MTIA_PLUGIN_PATH=" + plugin, "MTIA_LOG_LEVEL"});
}

}  // namespace

TEST_CASE("The host example drives the plain-C example plugin", "[examples]") {
  const auto r = hostApp(MTIA_C_PLUGIN_PATH);
  CHECK(r.err == "");
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "plugin c-example 1.0.0 with 2 devices\n"
        "device 0: C Example Device 0, current stream 0 on device mtia:0\n"
        "device 1: C Example Device 1, current stream 0 on device mtia:1\n"
        "as expected: setCurrentDevice() failed in MTIA plugin 'c-example': device 2 is out of "
        "range (this plugin has 2 devices) (INVALID_ARGUMENT)\n"
        "device 0 has 0 bytes allocated\n");
}

TEST_CASE("The host example drives the sample plugin", "[examples]") {
  const auto r = hostApp(mtia_test::samplePluginPath());
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("plugin mtia-sample 0.1.0 with 2 devices\n"
                    "device 0: MTIA Sample Device 0, current stream 0 on device mtia:0\n"
                    "device 1: MTIA Sample Device 1, current stream 0 on device mtia:1\n"
                    "as expected: setCurrentDevice() failed in MTIA plugin 'mtia-sample': ",
                    0) == 0);
}

TEST_CASE("The host example explains a missing plugin", "[examples]") {
  const auto r = hostApp("");
  CHECK(r.exit_code == 1);
  CHECK(r.out == "");
  CHECK(r.err ==
        "no MTIA backend: No MTIA plugin is configured: set MTIA_PLUGIN_PATH to the absolute "
        "path of an MTIA plugin library.\n");
}

TEST_CASE("The host example explains a plugin that loaded without devices", "[examples]") {
  const auto r = mtia_test::runProcess(
      {MTIA_HOST_APP_PATH},
      {"MTIA_PLUGIN_PATH=" + mtia_test::samplePluginPath(), "MTIA_SAMPLE_DEVICE_COUNT=0",
       "MTIA_LOG_LEVEL"});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "");
  CHECK(r.err == "no MTIA backend: the plugin loaded but reports no available device\n");
}
