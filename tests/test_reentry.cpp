// A plugin calling getMTIAHooks() while it is being loaded (issue 12 item 7).
// CTest sets MTIA_PLUGIN_PATH to the fixture whose initialize() does that:
// before the fix the global load waited for itself in std::call_once forever.
#include "test_support.h"

using mtia_test::errorOf;
using mtia_test::fixturePath;

namespace {
const std::string kCause =
    "the plugin called getMTIAHooks() while the host was loading it (re-entry from its entry "
    "point or initialize()); the host's hooks do not exist before the load has finished, and "
    "waiting for them there would deadlock: call them only after initialize() has returned";
}  // namespace

TEST_CASE("A plugin whose initialize() calls getMTIAHooks() fails the global load, no deadlock",
          "[reentry][global]") {
  const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
  CHECK_FALSE(mtia::isMTIAHooksBuilt());
  const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
  REQUIRE(status.report.failedStep() != nullptr);
  CHECK(status.report.failedStep()->step == mtia::LoadStep::Initialize);
  CHECK(status.report.failedStep()->detail == kCause);
  const std::string error = "cannot load MTIA plugin '" + fixturePath("fixture_reenters") +
                            "': initialize failed: " + kCause;
  CHECK(status.report.error == error);
  CHECK_THAT(errorOf([&] { hooks.deviceSynchronize(0); }),
             Catch::StartsWith("Cannot execute deviceSynchronize() without MTIA backend. The MTIA "
                               "plugin failed to load: " + error + "\n"));
  CHECK(&mtia::getMTIAHooks() == &hooks);  // loaded (and failed) once
}

TEST_CASE("An explicit load whose plugin calls getMTIAHooks() fails at initialize",
          "[reentry][loader]") {
  mtia::PluginLoader loader;
  try {
    loader.load(fixturePath("fixture_reenters"));
    FAIL("expected a LoadError");
  } catch (const mtia::LoadError& e) {
    CHECK(e.step() == mtia::LoadStep::Initialize);
    CHECK(e.cause() == kCause);
  }
  CHECK_FALSE(loader.isLoaded());
  // The plugin was shut down and closed: a plain load of another plugin works.
  CHECK(loader.load(fixturePath("fixture_good")).deviceCount() == 1);
}
