// Thread safety of loading. CTest sets MTIA_PLUGIN_PATH to the counting
// fixture whose initialize() takes 50 ms, so threads racing on first use
// really pile up behind the one load. CI also runs these under TSan.
#include "test_support.h"

#include "fixture_counters.h"

#include <atomic>
#include <thread>
#include <vector>

using mtia_test::fixturePath;

namespace {

// Starts `n` threads running fn(i) at (nearly) the same moment; joins them.
template <class Fn>
void race(int n, Fn fn) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      fn(i);
    });
  }
  while (ready.load() < n) std::this_thread::yield();
  go = true;
  for (auto& t : threads) t.join();
}

}  // namespace

TEST_CASE("32 threads on first use: one dlopen, one initialize, one object",
          "[concurrency][global]") {
  REQUIRE(fixture_counted("load") == 0);
  constexpr int kThreads = 32;
  std::vector<const mtia::MTIAHooksInterface*> seen(kThreads, nullptr);
  race(kThreads, [&](int i) { seen[static_cast<size_t>(i)] = &mtia::getMTIAHooks(); });
  for (const auto* h : seen) CHECK(h == seen[0]);
  CHECK(fixture_counted("load") == 1);  // the library was mapped once
  CHECK(fixture_counted("entry") == 1);
  CHECK(fixture_counted("initialize") == 1);
  CHECK(fixture_counted("shutdown") == 0);
  const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
  CHECK(status.loaded);
  CHECK(status.report.ok);
  REQUIRE(seen[0]->pluginInfo() != nullptr);
  CHECK(seen[0]->pluginInfo()->name == "fixture");
  CHECK(&mtia::getMTIAHooks() == seen[0]);  // steady state: the same object
}

TEST_CASE("Many threads call the global plugin's hooks at once", "[concurrency][global]") {
  std::atomic<int> failures{0};
  race(16, [&](int) {
    const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
    for (int k = 0; k < 500; ++k) {
      if (hooks.deviceCount() != 1 || hooks.getCurrentDevice() != 0) failures.fetch_add(1);
      hooks.setCurrentDevice(0);
    }
  });
  CHECK(failures.load() == 0);
  CHECK(fixture_counted("initialize") == 1);
}

TEST_CASE("Loaders racing for one library: exactly one holds it", "[concurrency][loader]") {
  constexpr int kThreads = 8;
  std::vector<mtia::PluginLoader> loaders(kThreads);
  std::vector<std::string> errors(kThreads);  // Catch assertions are not thread-safe
  std::atomic<int> loaded{0};
  race(kThreads, [&](int i) {
    try {
      loaders[static_cast<size_t>(i)].load(fixturePath("fixture_counting"));
      loaded.fetch_add(1);
    } catch (const mtia::LoadError& e) {
      errors[static_cast<size_t>(i)] = e.what();
    }
  });
  CHECK(loaded.load() == 1);
  CHECK(fixture_counted("initialize") == 1);
  for (const std::string& e : errors) {
    if (!e.empty()) {
      CHECK_THAT(e, Catch::Contains("': open failed: '") &&
                        Catch::Contains("' is already loaded by another PluginLoader"));
    }
  }
  loaders.clear();
  CHECK(fixture_counted("shutdown") == 1);
}

TEST_CASE("Loaders of different plugins load and unload in parallel", "[concurrency][loader]") {
  const std::vector<std::string> plugins = {mtia_test::samplePluginPath(), fixturePath("fixture_good"),
                                            fixturePath("fixture_abi_minor_ahead"),
                                            fixturePath("fixture_counting")};
  std::atomic<int> failures{0};
  race(static_cast<int>(plugins.size()), [&](int i) {
    mtia::PluginLoader loader;
    for (int k = 0; k < 20; ++k) {
      try {
        const mtia::MTIAHooksInterface& hooks = loader.load(plugins[static_cast<size_t>(i)]);
        if (hooks.deviceCount() < 1 || !loader.lastReport().ok) failures.fetch_add(1);
        loader.unload();
        if (!hooks.unavailableReason().empty() || hooks.hasMTIA()) failures.fetch_add(1);
      } catch (const std::exception&) {
        failures.fetch_add(1);
      }
    }
  });
  CHECK(failures.load() == 0);
  CHECK(fixture_counted("initialize") == 20);
  CHECK(fixture_counted("shutdown") == 20);
}
