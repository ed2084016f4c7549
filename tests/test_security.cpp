// Security rules: waivers through MTIA_PLUGIN_ALLOW_INSECURE (and their
// warning), owners that pass, and secure-execution mode (simulated through
// LoadEnvironment), which hides the variables and is logged once.
// CTest runs this with MTIA_LOG_LEVEL=warn.
#include "test_support.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

using mtia::LoadStep;
using mtia::StepVerdict;
using mtia_test::fixturePath;
using mtia_test::ScopedEnv;
using mtia_test::TempDir;

namespace {

namespace fs = std::filesystem;

// Everything written to file descriptor 2 while it lives.
class CapturedStderr {
 public:
  CapturedStderr() : file_(std::tmpfile()), saved_(dup(2)) {
    std::fflush(stderr);
    dup2(fileno(file_), 2);
  }
  ~CapturedStderr() {
    restore();
    std::fclose(file_);
  }
  std::string text() {
    restore();
    std::string out;
    std::rewind(file_);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), file_)) > 0;) out.append(buf, n);
    return out;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    saved_ = -1;
  }
  std::FILE* file_;
  int saved_;
};

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A copy of the good fixture with `mode`, in `dir` (created with `dir_mode`).
std::string insecureCopy(const TempDir& tmp, mode_t mode, mode_t dir_mode = 0755) {
  const std::string dir = tmp.path() + "/plugins";
  fs::create_directory(dir);
  fs::permissions(dir, static_cast<fs::perms>(dir_mode));
  const std::string path = dir + "/libplugin.so";
  fs::copy_file(fixturePath("fixture_good"), path);
  fs::permissions(path, static_cast<fs::perms>(mode));
  return fs::canonical(path).string();
}

// This process as uid 1000; files owned by `owner`.
mtia::LoadEnvironment ownedBy(uid_t owner) {
  mtia::LoadEnvironment env;
  env.effective_uid = [] { return uid_t{1000}; };
  env.stat = [owner](const char* p, struct stat* st) {
    const int rc = ::stat(p, st);
    if (rc == 0) st->st_uid = owner;
    return rc;
  };
  return env;
}

mtia::LoadEnvironment secureExecution() {
  mtia::LoadEnvironment env;
  env.secure_execution = [] { return true; };
  return env;
}

}  // namespace

TEST_CASE("A waived rule loads the plugin, says so in the report, and logs a warning",
          "[security]") {
  TempDir tmp;
  const std::string path = insecureCopy(tmp, 0775);
  ScopedEnv allow("MTIA_PLUGIN_ALLOW_INSECURE", "file-writable");
  CapturedStderr err;
  mtia::PluginLoader loader;
  CHECK(loader.load(path).deviceCount() == 1);
  const std::string problem =
      "'" + path + "' is writable by its group (mode 0775), so other users could change the code "
      "it contains";
  const mtia::LoadReportStep& step = loader.lastReport().steps.at(1);
  CHECK(step.step == LoadStep::Security);
  CHECK(step.verdict == StepVerdict::Overridden);
  CHECK_THAT(step.detail, Catch::EndsWith("; rule file-writable waived by MTIA_PLUGIN_ALLOW_INSECURE: " +
                                          problem));
  CHECK(loader.lastReport().toJson()["steps"][1]["verdict"] == "overridden");
  const std::string log = err.text();
  CHECK(occurrences(log, "[mtia] [warning] MTIA_PLUGIN_ALLOW_INSECURE=file-writable waives a "
                         "security rule: " + problem + "\n") == 1);
}

// Discovery vets each candidate with the same rules before the load runs them
// for the one it takes: the warning is the load's, logged once.
TEST_CASE("A waived rule on a discovered plugin is logged once", "[security][discovery]") {
  TempDir tmp;
  const std::string path = insecureCopy(tmp, 0775);
  const std::string folder = tmp.path() + "/config/mtia/plugins.d";
  fs::create_directories(folder);
  std::ofstream(folder + "/plugin.json")
      << R"({"file_format_version": "1.0.0", "plugin": {"library_path": ")" + path +
             R"(", "abi_version": "1.0"}})";
  ScopedEnv unset("MTIA_PLUGIN_PATH", nullptr);
  ScopedEnv xdg("XDG_CONFIG_HOME", (tmp.path() + "/config").c_str());
  ScopedEnv allow("MTIA_PLUGIN_ALLOW_INSECURE", "file-writable");
  mtia::LoadEnvironment env;
  env.system_plugins_dir = tmp.path() + "/none";
  env.prefix_plugins_dir = tmp.path() + "/none";
  CapturedStderr err;
  mtia::PluginLoader loader(env);
  CHECK(loader.loadFromEnvironment().deviceCount() == 1);
  CHECK(loader.info().found_by.find("user plugins folder") != std::string::npos);
  const std::string log = err.text();
  CHECK(occurrences(log, "[mtia] [warning] MTIA_PLUGIN_ALLOW_INSECURE=file-writable waives a "
                         "security rule: '" + path + "' is writable by its group") == 1);
}

TEST_CASE("Waiving one rule does not waive another", "[security]") {
  TempDir tmp;
  const std::string path = insecureCopy(tmp, 0775, 0777);
  ScopedEnv allow("MTIA_PLUGIN_ALLOW_INSECURE", "file-writable");
  const mtia::LoadError e = mtia_test::loadErrorOf(path);
  CHECK(e.step() == LoadStep::Security);
  CHECK(e.cause() == "its directory '" + fs::path(path).parent_path().string() +
                         "' is writable by others (mode 0777), so any user could replace the file "
                         "(rule dir-writable; to override, set MTIA_PLUGIN_ALLOW_INSECURE=dir-writable)");
}

TEST_CASE("Several rules can be waived at once", "[security]") {
  TempDir tmp;
  const std::string path = insecureCopy(tmp, 0777, 0777);
  ScopedEnv allow("MTIA_PLUGIN_ALLOW_INSECURE", " dir-writable , file-writable,");
  mtia::PluginLoader loader;
  CHECK(loader.load(path).deviceCount() == 1);
  CHECK(loader.lastReport().steps.at(1).verdict == StepVerdict::Overridden);
}

TEST_CASE("Files owned by root or by the effective user pass the owner rules", "[security]") {
  mtia::PluginLoader by_root(ownedBy(0));
  CHECK(by_root.load(fixturePath("fixture_good")).deviceCount() == 1);
  mtia::PluginLoader by_me(ownedBy(1000));
  CHECK(by_me.load(fixturePath("fixture_abi_minor_ahead")).deviceCount() == 1);
  CHECK_THAT(by_me.lastReport().steps.at(1).detail, Catch::StartsWith("mode 0755, owner uid 1000; "));
}

TEST_CASE("A foreign owner can be waived", "[security]") {
  ScopedEnv allow("MTIA_PLUGIN_ALLOW_INSECURE", "file-owner,dir-owner");
  mtia::PluginLoader loader(ownedBy(4242));
  CHECK(loader.load(fixturePath("fixture_good")).deviceCount() == 1);
  CHECK(loader.lastReport().steps.at(1).verdict == StepVerdict::Overridden);
}

TEST_CASE("Secure-execution mode ignores the override variable too", "[security]") {
  TempDir tmp;
  const std::string path = insecureCopy(tmp, 0775);
  ScopedEnv allow("MTIA_PLUGIN_ALLOW_INSECURE", "file-writable");
  mtia::PluginLoader loader(secureExecution());
  try {
    loader.load(path);
    FAIL("a group-writable plugin loaded in secure-execution mode");
  } catch (const mtia::LoadError& e) {
    CHECK(e.step() == LoadStep::Security);
    CHECK_THAT(e.cause(), Catch::Contains("rule file-writable"));
  }
}

TEST_CASE("Secure-execution mode hides MTIA_PLUGIN_PATH and says so once per process",
          "[security]") {
  ScopedEnv path("MTIA_PLUGIN_PATH", fixturePath("fixture_good").c_str());
  CapturedStderr err;
  for (int i = 0; i < 3; ++i) {
    mtia::PluginLoader loader(secureExecution());
    try {
      loader.loadFromEnvironment();
      FAIL("MTIA_PLUGIN_PATH was used in secure-execution mode");
    } catch (const mtia::LoadError& e) {
      CHECK(std::string(e.what()) ==
            "cannot load MTIA plugin: configure failed: MTIA_PLUGIN_PATH is ignored in a "
            "setuid/setgid (secure-execution) process");
    }
    CHECK(loader.lastReport().path_given.empty());
  }
  const std::string log = err.text();
  CHECK(occurrences(log, "[warning] MTIA_PLUGIN_PATH is ignored in a setuid/setgid "
                         "(secure-execution) process\n") == 1);
}

TEST_CASE("Without secure-execution mode MTIA_PLUGIN_PATH is read", "[security]") {
  ScopedEnv path("MTIA_PLUGIN_PATH", fixturePath("fixture_good").c_str());
  mtia::LoadEnvironment env;
  env.secure_execution = [] { return false; };
  mtia::PluginLoader loader(env);
  CHECK(loader.loadFromEnvironment().deviceCount() == 1);
}
