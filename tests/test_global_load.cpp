// getMTIAHooks() with MTIA_PLUGIN_PATH pointing at the sample plugin
// (set by CTest for this executable).
#include "test_support.h"

#include <atomic>
#include <thread>
#include <vector>

TEST_CASE("MTIA_PLUGIN_PATH loads the sample plugin once", "[global]") {
  REQUIRE(std::getenv("MTIA_PLUGIN_PATH") != nullptr);
  const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
  REQUIRE(mtia::isMTIAHooksBuilt());
  CHECK(hooks.hasMTIA());
  CHECK(hooks.deviceCount() == 2);
  CHECK(hooks.pluginInfo()->name == "mtia-sample");
  const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
  CHECK(status.configured);
  CHECK(status.loaded);
  CHECK(status.path == std::getenv("MTIA_PLUGIN_PATH"));
  CHECK(status.reason.empty());
  hooks.setCurrentDevice(1);
  CHECK(mtia::getMTIAHooks().getCurrentDevice() == 1);
}

TEST_CASE("Threads racing on first use all see one object", "[global][threads]") {
  constexpr int kThreads = 16;
  std::vector<const mtia::MTIAHooksInterface*> seen(kThreads, nullptr);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      seen[static_cast<size_t>(i)] = &mtia::getMTIAHooks();
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  for (const auto* h : seen) CHECK(h == seen[0]);
  REQUIRE(seen[0]->pluginInfo() != nullptr);
  CHECK(seen[0]->pluginInfo()->name == "mtia-sample");
}
