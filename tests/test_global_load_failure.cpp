// getMTIAHooks() with MTIA_PLUGIN_PATH naming a plugin that fails to load:
// the stub is returned and its errors say which step failed.
#include "test_support.h"

TEST_CASE("A plugin that fails to load leaves the stub, which says why", "[global][faults]") {
  const char* path = std::getenv("MTIA_PLUGIN_PATH");
  REQUIRE(path != nullptr);
  const std::string reason = std::string("The MTIA plugin failed to load: cannot load MTIA plugin '") +
                             path +
                             "': negotiate failed: plugin implements MTIA plugin ABI 2.0; this "
                             "host supports 1.0-1.0: rebuild the plugin against plugin_abi 1.x or "
                             "upgrade the host";
  const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
  CHECK_FALSE(mtia::isMTIAHooksBuilt());
  CHECK_FALSE(hooks.hasMTIA());
  CHECK(hooks.deviceCount() == 0);
  CHECK(hooks.unavailableReason() == reason);
  CHECK(mtia_test::errorOf([&] { hooks.deviceSynchronize(0); }) ==
        "Cannot execute deviceSynchronize() without MTIA backend. " + reason);
  const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
  CHECK(status.configured);
  CHECK_FALSE(status.loaded);
  CHECK(status.path == path);
  CHECK(status.reason == reason);
}
