// test_logging_lazy.cpp — the logger is built on the first message that
// passes MTIA_LOG_LEVEL, not at load (docs/performance.md, "Start-up"): a
// process whose load logs nothing never pays for the sink and the pattern
// formatter. Its own executable: the logger is built once per process.
#include "log.h"

#include <mtia/loader.h>

#include <catch2/catch.hpp>

#include <cstdlib>

TEST_CASE("A load that logs nothing does not build the logger, the first message that passes does",
          "[logging]") {
  unsetenv("MTIA_LOG_LEVEL");  // the default: error
  mtia::PluginLoader loader;
  CHECK(loader.load(MTIA_SAMPLE_PLUGIN_PATH).deviceCount() >= 1);
  CHECK(loader.lastReport().ok);
  CHECK_FALSE(mtia::detail::loggerBuilt());  // the load's debug and info lines were filtered

  mtia::detail::logIfEnabled(spdlog::level::info, "filtered: {}", 1);
  CHECK_FALSE(mtia::detail::loggerBuilt());
  mtia::detail::logIfEnabled(spdlog::level::err, "test_logging_lazy: an error line, as expected");
  CHECK(mtia::detail::loggerBuilt());
}
