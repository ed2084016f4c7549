// Logging: the "mtia" logger's level from MTIA_LOG_LEVEL, plugin lines tagged
// with the plugin's name, repeated plugin lines collapsed.
//
// Most cases run mtia-info as a child process with a chosen MTIA_LOG_LEVEL and
// read its stderr; the collapsing case captures this process's stderr (CTest
// runs it with MTIA_LOG_LEVEL=info).
#include "run_process.h"
#include "test_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using mtia_test::fixturePath;

const std::string kCPlugin = MTIA_C_PLUGIN_PATH;

// stderr of `mtia-info --plugin plugin` with MTIA_LOG_LEVEL=level ("" unset).
std::string logOf(const std::string& level, const std::string& plugin = kCPlugin) {
  return mtia_test::runProcess({MTIA_INFO_PATH, "--plugin", plugin},
                               {level.empty() ? "MTIA_LOG_LEVEL" : "MTIA_LOG_LEVEL=" + level})
      .err;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::string kPluginInfoLine =
    "] [mtia] [info] [plugin c-example] initialised with 2 simulated devices\n";

// The lines written to this process's stderr while it lives, from "[mtia]" on
// (the timestamp cut off), keeping those that contain `filter`.
class CapturedLog {
 public:
  CapturedLog() {
    std::fflush(stderr);
    char path[] = "/tmp/mtia-test-log-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    path_ = path;
    saved_ = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  ~CapturedLog() {
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    unlink(path_.c_str());
  }
  std::vector<std::string> lines(const std::string& filter) const {
    std::fflush(stderr);
    std::ifstream in(path_);
    std::vector<std::string> result;
    for (std::string line; std::getline(in, line);) {
      const auto start = line.find("[mtia]");
      if (start != std::string::npos && contains(line, filter)) {
        result.push_back(line.substr(start));
      }
    }
    return result;
  }

 private:
  std::string path_;
  int saved_ = -1;
};

}  // namespace

TEST_CASE("By default the host logs only real failures", "[logging]") {
  // An application of the host (mtia-info turns the log off: it reports
  // failures itself).
  const auto app = [](const std::string& plugin) {
    return mtia_test::runProcess({MTIA_HOST_APP_PATH}, {"MTIA_LOG_LEVEL", "MTIA_PLUGIN_PATH=" + plugin});
  };
  const auto good = app(kCPlugin);
  CHECK(good.exit_code == 0);
  CHECK(good.err == "");  // a good load: silent
  const std::string path = fixturePath("fixture_major_too_high");
  const auto failure = app(path);
  CHECK(failure.exit_code == 1);
  CHECK(contains(failure.err,
                 "] [mtia] [error] " + std::string(mtia_test::loadErrorOf(path).what()) + "\n"));
}

TEST_CASE("A failure where nothing can throw is logged once, naming the plugin and the hook",
          "[logging][faults]") {
  // fixture_slots_throw's shutdown() throws: the unload goes on, and says so.
  const std::string log = logOf("error", fixturePath("fixture_slots_throw"));
  const std::string line =
      "] [mtia] [error] the plugin's shutdown failed: shutdown() failed in MTIA plugin "
      "'fixture': the plugin let a C++ exception escape into the host: fixture: shutdown blew "
      "up (exceptions must not cross the plugin ABI; catch them inside the plugin, e.g. with "
      "mtia::plugin::guard) (INTERNAL)\n";
  CHECK(contains(log, line));
  CHECK(log.find("shutdown blew up") == log.rfind("shutdown blew up"));
}

TEST_CASE("MTIA_LOG_LEVEL names the lowest level shown, in any case", "[logging]") {
  const auto [level, shows_info] = GENERATE(table<std::string, bool>({
      {"trace", true}, {"debug", true}, {"info", true}, {"INFO", true}, {"Debug", true},
      {"warn", false}, {"warning", false}, {"error", false}, {"err", false},
      {"critical", false}, {"off", false}, {"", false}}));
  INFO("MTIA_LOG_LEVEL=" << level);
  const std::string log = logOf(level);
  CHECK(contains(log, kPluginInfoLine) == shows_info);
  if (!shows_info) CHECK(log == "");
}

TEST_CASE("MTIA_LOG_LEVEL=debug shows the host's own steps too", "[logging]") {
  const std::string log = logOf("debug");
  CHECK(contains(log, "] [mtia] [debug] loading MTIA plugin '" + kCPlugin + "'\n"));
  CHECK(contains(log, "] [mtia] [debug] [plugin c-example] shut down\n"));
}

TEST_CASE("MTIA_LOG_LEVEL=off silences even failures", "[logging]") {
  const std::string path = fixturePath("fixture_major_too_high");
  const auto r = mtia_test::runProcess({MTIA_INFO_PATH}, {"MTIA_LOG_LEVEL=off",
                                                          "MTIA_PLUGIN_PATH=" + path});
  CHECK(r.exit_code == 4);
  CHECK(!contains(r.err, "[mtia]"));
  CHECK(r.err.rfind("mtia-info: The MTIA plugin failed to load: ", 0) == 0);
}

TEST_CASE("An unknown MTIA_LOG_LEVEL is reported once and 'error' is used", "[logging]") {
  const std::string log = logOf("loud");
  CHECK(contains(log, "] [mtia] [warning] MTIA_LOG_LEVEL='loud' is not one of trace, debug, "
                      "info, warn, error, critical, off; using 'error'\n"));
  CHECK(!contains(log, kPluginInfoLine));
  CHECK(std::count(log.begin(), log.end(), '\n') == 1);
}

TEST_CASE("Plugin lines arrive tagged with the plugin's name", "[logging]") {
  REQUIRE(std::string(std::getenv("MTIA_LOG_LEVEL")) == "info");
  CapturedLog log;
  {
    mtia::PluginLoader loader;
    loader.load(fixturePath("fixture_logs"));
    loader.hooks().showConfig();
  }
  const std::vector<std::string> expected{
      "[mtia] [info] [plugin fixture] fixture: initialised",
      "[mtia] [warning] [plugin fixture] fixture: show_config called",
      "[mtia] [info] [plugin fixture] fixture: shut down",
  };
  CHECK(log.lines("[plugin ") == expected);
}

TEST_CASE("Identical consecutive plugin lines are collapsed", "[logging]") {
  CapturedLog log;
  {
    mtia::PluginLoader loader;
    const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_logs"));
    for (int i = 0; i < 105; ++i) hooks.showConfig();  // 1 line + 104 repeats
  }  // unloading logs a different line, which flushes the count
  const std::string tag = "[mtia] [warning] [plugin fixture] ";
  const std::vector<std::string> expected{
      "[mtia] [info] [plugin fixture] fixture: initialised",
      tag + "fixture: show_config called",
      tag + "last message repeated 10 times",
      tag + "last message repeated 100 times",
      tag + "last message repeated 104 times",
      "[mtia] [info] [plugin fixture] fixture: shut down",
  };
  CHECK(log.lines("[plugin ") == expected);
}

TEST_CASE("A single repeat is counted as 1 time", "[logging]") {
  CapturedLog log;
  {
    mtia::PluginLoader loader;
    const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_logs"));
    hooks.showConfig();
    hooks.showConfig();
  }
  CHECK(log.lines("repeated") ==
        std::vector<std::string>{"[mtia] [warning] [plugin fixture] last message repeated 1 time"});
}

// ---- issue 12: exceptions, text, sink, results (logging) ----------------------

namespace {

const std::string kMisuseTag = "[plugin fixture-that-logs-from-its-destructor] ";

}  // namespace

TEST_CASE("Invalid plugin log levels are logged as error, saying so", "[logging][untrusted]") {
  CapturedLog log;
  {
    mtia::PluginLoader loader;
    loader.load(fixturePath("fixture_log_misuse"));
  }
  CHECK(log.lines("level") ==
        std::vector<std::string>{
            "[mtia] [error] " + kMisuseTag + "(invalid log level 42) fixture: level 42",
            "[mtia] [error] " + kMisuseTag + "(invalid log level -1) fixture: level -1"});
  // A NULL message is an empty line.
  CHECK(log.lines("[mtia] [warning] " + kMisuseTag) ==
        std::vector<std::string>{"[mtia] [warning] " + kMisuseTag});
}

TEST_CASE("A plugin may log from its ELF destructor: the tag outlives dlclose",
          "[logging][untrusted]") {
  CapturedLog log;
  {
    mtia::PluginLoader loader;
    loader.load(fixturePath("fixture_log_misuse"));
    loader.unload();
    // The destructor ran inside unload() (the library really was unmapped).
    CHECK(log.lines("ELF destructor") ==
          std::vector<std::string>{"[mtia] [info] " + kMisuseTag + "fixture: ELF destructor"});
  }
}

TEST_CASE("A thread started in the entry point logs with a tag the loader never tears",
          "[logging][untrusted]") {
  CapturedLog log;
  const std::string path = fixturePath("fixture_log_misuse");
  {
    mtia::PluginLoader loader;
    loader.load(path);
  }
  const std::vector<std::string> lines = log.lines("fixture: thread line ");
  REQUIRE(lines.size() == 50);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string text = "fixture: thread line " + std::to_string(i);
    INFO(lines[i]);
    CHECK((lines[i] == "[mtia] [info] [plugin " + path + "] " + text ||
           lines[i] == "[mtia] [info] " + kMisuseTag + text));
  }
}

TEST_CASE("Identical lines of different load cycles are never collapsed together",
          "[logging][untrusted]") {
  // warn: the plugin's info lines (initialised, shut down) are filtered out, so
  // the five warnings are consecutive.
  mtia_test::ScopedEnv level("MTIA_LOG_LEVEL", "warn");
  CapturedLog log;
  for (int cycle = 0; cycle < 5; ++cycle) {
    mtia::PluginLoader loader;
    loader.load(fixturePath("fixture_logs")).showConfig();
  }
  CHECK(log.lines("[plugin ") ==
        std::vector<std::string>(5, "[mtia] [warning] [plugin fixture] fixture: show_config called"));
}

TEST_CASE("Pending repeats are reported when the plugin is unloaded", "[logging][untrusted]") {
  mtia_test::ScopedEnv level("MTIA_LOG_LEVEL", "warn");
  CapturedLog log;
  {
    mtia::PluginLoader loader;
    const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_logs"));
    for (int i = 0; i < 3; ++i) hooks.showConfig();
  }
  const std::string tag = "[mtia] [warning] [plugin fixture] ";
  CHECK(log.lines("[plugin ") == std::vector<std::string>{tag + "fixture: show_config called",
                                                          tag + "last message repeated 2 times"});
}
