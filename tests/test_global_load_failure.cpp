// getMTIAHooks() with MTIA_PLUGIN_PATH naming a plugin that fails to load:
// the stub is returned and its errors say which step failed, followed by the
// load report.
#include "test_support.h"

using Catch::EndsWith;
using Catch::StartsWith;

TEST_CASE("A plugin that fails to load leaves the stub, which says why", "[global][faults]") {
  const char* path = std::getenv("MTIA_PLUGIN_PATH");
  REQUIRE(path != nullptr);
  const std::string cause =
      "plugin implements MTIA plugin ABI 2.0; this host supports 1.0-1.2: rebuild the plugin "
      "against plugin_abi 1.x or upgrade the host";
  const std::string first_line = std::string("The MTIA plugin failed to load: cannot load MTIA plugin '") +
                                 path + "': negotiate failed: " + cause;
  const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
  CHECK_FALSE(mtia::isMTIAHooksBuilt());
  CHECK_FALSE(hooks.hasMTIA());
  CHECK(hooks.deviceCount() == 0);
  const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
  const std::string report = status.report.toText();
  const std::string reason = first_line + "\n" + report;
  CHECK(hooks.unavailableReason() == reason);
  CHECK(mtia_test::errorOf([&] { hooks.deviceSynchronize(0); }) ==
        "Cannot execute deviceSynchronize() without MTIA backend. " + reason);
  CHECK_THAT(report, StartsWith(std::string("MTIA plugin load report for '") + path +
                                "': FAILED at negotiate\n  configure   ok          "
                                "MTIA_PLUGIN_PATH='" + path + "'\n  locate      ok  "));
  CHECK_THAT(report, EndsWith("\n  negotiate   FAILED      " + cause));
  CHECK(status.configured);
  CHECK_FALSE(status.loaded);
  CHECK(status.path == path);
  CHECK(status.reason == reason);
  CHECK_FALSE(status.report.ok);
  REQUIRE(status.report.failedStep() != nullptr);
  CHECK(status.report.failedStep()->step == mtia::LoadStep::Negotiate);
  CHECK(status.report.plugin_abi == "2.0");
}
