// Discovery: manifests, MTIA_PLUGIN_PATH through loadFromEnvironment, the
// load report (C++ and JSON), and every manifest error, word for word.
#include "test_support.h"

#include "discovery.h"
#include "discovery_places.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <tuple>
#include <vector>

using mtia::LoadStep;
using mtia::StepVerdict;
using mtia_test::fixturePath;
using mtia_test::samplePluginPath;
using mtia_test::ScopedEnv;
using mtia_test::TempDir;

namespace {

namespace fs = std::filesystem;

std::string realPath(const std::string& path) { return fs::canonical(path).string(); }

// Copies the good C fixture to `path` (mode 0755), creating its folder.
std::string installFixture(const std::string& path) {
  fs::create_directories(fs::path(path).parent_path());
  fs::copy_file(fixturePath("fixture_good"), path);
  fs::permissions(path, static_cast<fs::perms>(0755));
  return path;
}

std::string manifest(const std::string& library_path, const std::string& abi = "1.0") {
  return R"({"file_format_version": "1.0.0", "plugin": {"library_path": ")" + library_path +
         R"(", "abi_version": ")" + abi + R"("}})";
}

std::vector<std::string> stepNames(const mtia::LoadReport& report) {
  std::vector<std::string> names;
  for (const auto& s : report.steps) names.push_back(mtia::loadStepName(s.step));
  return names;
}

// The cause of loading a manifest with this text.
std::string manifestError(const std::string& text) {
  TempDir dir;
  const std::string m = dir.write("plugin.json", text);
  const mtia::LoadError e = mtia_test::loadErrorOf(m);
  CHECK(e.step() == LoadStep::Manifest);
  return e.cause();
}

}  // namespace

TEST_CASE("A manifest names its library relative to the manifest's folder", "[discovery]") {
  TempDir dir;
  const std::string lib = installFixture(dir.path() + "/lib/libplugin.so");
  const std::string m = dir.write("plugin.json", manifest("lib/libplugin.so"));
  mtia::PluginLoader loader;
  CHECK(loader.load(m).deviceCount() == 1);
  CHECK(loader.info().path == m);
  CHECK(loader.info().resolved_path == realPath(lib));
  const mtia::LoadReport& r = loader.lastReport();
  CHECK(r.ok);
  CHECK(r.path_given == m);
  CHECK(r.manifest_path == realPath(m));
  CHECK(r.path_resolved == realPath(lib));
  CHECK(stepNames(r) == std::vector<std::string>{"manifest", "locate", "security", "inspect", "open",
                                                 "resolve", "query", "negotiate", "validate",
                                                 "initialize"});
  CHECK(r.steps[0].detail.rfind("'" + realPath(m) +
                                    "': file format 1.0.0, library_path 'lib/libplugin.so', ABI 1.0; "
                                    "mode 0644",
                                0) == 0);
  CHECK(r.steps[7].detail == "plugin ABI 1.0; host ABI 1.0-1.2; as the manifest declares");
}

TEST_CASE("A symlinked manifest resolves library_path against the real manifest's folder",
          "[discovery]") {
  TempDir dir;
  installFixture(dir.path() + "/vendor/libplugin.so");
  dir.write("vendor/plugin.json", manifest("libplugin.so"));
  const std::string link = dir.path() + "/plugin.json";
  fs::create_symlink(dir.path() + "/vendor/plugin.json", link);
  mtia::PluginLoader loader;
  CHECK(loader.load(link).deviceCount() == 1);
  CHECK(loader.lastReport().manifest_path == realPath(dir.path() + "/vendor/plugin.json"));
}

TEST_CASE("A manifest with an absolute library_path, a later 1.x format and unknown members",
          "[discovery]") {
  TempDir dir;
  const std::string m = dir.write(
      "plugin.json", R"({"file_format_version": "1.4.2", "vendor": {"x": 1}, "plugin": {"library_path": ")" +
                         fixturePath("fixture_good") +
                         R"(", "abi_version": "1.0", "description": "ignored"}})");
  mtia::PluginLoader loader;
  CHECK(loader.load(m).deviceCount() == 1);
}

TEST_CASE("MTIA_PLUGIN_PATH may name a manifest; the report starts with configure",
          "[discovery]") {
  TempDir dir;
  installFixture(dir.path() + "/libplugin.so");
  const std::string m = dir.write("plugin.json", manifest("libplugin.so"));
  ScopedEnv env("MTIA_PLUGIN_PATH", m.c_str());
  mtia::PluginLoader loader;
  CHECK(loader.loadFromEnvironment().deviceCount() == 1);
  const mtia::LoadReport& r = loader.lastReport();
  REQUIRE(r.steps.size() == 11);
  CHECK(r.steps[0].step == LoadStep::Configure);
  CHECK(r.steps[0].detail == "MTIA_PLUGIN_PATH='" + m + "'");
  CHECK(r.steps[1].step == LoadStep::Manifest);
}

TEST_CASE("A plugin with a newer ABI minor is served", "[discovery]") {
  mtia::PluginLoader loader;
  CHECK(loader.load(fixturePath("fixture_abi_minor_ahead")).deviceCount() == 1);
  CHECK(loader.info().abi_minor == 7);
  CHECK(loader.info().host_abi_minor == MTIA_PLUGIN_ABI_MINOR);
  CHECK(loader.lastReport().plugin_abi == "1.7");
}

TEST_CASE("The load report of a failed load, as C++, JSON and text", "[discovery][report]") {
  const std::string path = fixturePath("fixture_major_too_high");
  mtia::PluginLoader loader;
  CHECK(loader.lastReport().steps.empty());
  CHECK_THROWS_AS(loader.load(path), mtia::LoadError);
  const mtia::LoadReport& r = loader.lastReport();
  const std::string cause =
      "plugin implements MTIA plugin ABI 2.0; this host supports 1.0-1.2: rebuild the plugin "
      "against plugin_abi 1.x or upgrade the host";
  CHECK_FALSE(r.ok);
  CHECK(r.error == "cannot load MTIA plugin '" + path + "': negotiate failed: " + cause);
  CHECK(r.plugin_abi == "2.0");
  CHECK(r.plugin_name == "fixture");
  CHECK(r.plugin_version == "1.2.3");
  CHECK(stepNames(r) == std::vector<std::string>{"locate", "security", "inspect", "open", "resolve",
                                                 "query", "negotiate"});
  const nlohmann::json j = r.toJson();
  CHECK(j["path_given"] == path);
  CHECK(j["manifest_path"].is_null());
  CHECK(j["path_resolved"] == realPath(path));
  CHECK(j["host_abi"] == "1.0-1.2");
  CHECK(j["plugin"] == nlohmann::json{{"name", "fixture"}, {"version", "1.2.3"}, {"abi", "2.0"}});
  CHECK(j["ok"] == false);
  CHECK(j["error"] == nlohmann::json{{"step", "negotiate"}, {"message", r.error}});
  REQUIRE(j["steps"].size() == 7);
  CHECK(j["steps"][3] == nlohmann::json{{"step", "open"},
                                        {"verdict", "ok"},
                                        {"detail", "dlopen(RTLD_NOW | RTLD_LOCAL)"}});
  CHECK(j["steps"][6] ==
        nlohmann::json{{"step", "negotiate"}, {"verdict", "failed"}, {"detail", cause}});
  const std::string text = r.toText();
  CHECK(text.rfind("MTIA plugin load report for '" + path + "': FAILED at negotiate\n", 0) == 0);
  CHECK_THAT(text, Catch::Contains("\n  inspect     ok          64-bit little-endian ELF shared "
                                   "library for "));
  CHECK_THAT(text, Catch::EndsWith("\n  negotiate   FAILED      " + cause));
}

TEST_CASE("checkPlugin reports without throwing, and releases the plugin", "[discovery][report]") {
  const mtia::LoadReport bad = mtia::checkPlugin("/nonexistent/libx.so");
  CHECK_FALSE(bad.ok);
  REQUIRE(bad.failedStep() != nullptr);
  CHECK(bad.failedStep()->step == LoadStep::Locate);
  const mtia::LoadReport good = mtia::checkPlugin(samplePluginPath());
  CHECK(good.ok);
  CHECK(good.failedStep() == nullptr);
  CHECK(good.plugin_name == "mtia-sample");
  CHECK(good.toText().rfind("MTIA plugin load report for '" + samplePluginPath() + "': loaded\n", 0) ==
        0);
  mtia::PluginLoader loader;  // checkPlugin unloaded it: it can be loaded again
  CHECK(loader.load(samplePluginPath()).deviceCount() == 2);
  CHECK(loader.lastReport().steps.back().detail == "initialize() returned OK");
}

TEST_CASE("Every manifest error, word for word", "[discovery][manifest]") {
  CHECK(manifestError("[1, 2]") == "the manifest must be a JSON object, not array");
  CHECK_THAT(manifestError("{\"plugin\": "),
             Catch::StartsWith("the manifest is not valid JSON: [json.exception.parse_error.101]"));
  CHECK(manifestError(R"({"plugin": {}})") ==
        "the manifest lacks a string \"file_format_version\" (e.g. \"1.0.0\")");
  CHECK(manifestError(R"({"file_format_version": "1.0"})") ==
        "the manifest's file_format_version \"1.0\" is not of the form MAJOR.MINOR.PATCH");
  CHECK(manifestError(R"({"file_format_version": "2.1.0"})") ==
        "the manifest's file_format_version 2.1.0 is not supported: this host reads file format "
        "1.x.y");
  CHECK(manifestError(R"({"file_format_version": "1.0.0", "plugin": "libx.so"})") ==
        "the manifest lacks a \"plugin\" object");
  CHECK(manifestError(R"({"file_format_version": "1.0.0", "plugin": {"library_path": ""}})") ==
        "the manifest's \"plugin\" object lacks a non-empty string \"library_path\"");
  CHECK(manifestError(R"({"file_format_version": "1.0.0", "plugin": {"library_path": "a\u0000b"}})") ==
        "the manifest's library_path contains a NUL character");
  CHECK(manifestError(
            R"({"file_format_version": "1.0.0", "plugin": {"library_path": "x.so", "abi_version": 1}})") ==
        "the manifest's \"plugin\" object lacks a string \"abi_version\" of the form MAJOR.MINOR "
        "(e.g. \"1.0\")");
  CHECK(manifestError(
            R"({"file_format_version": "1.0.0", "plugin": {"library_path": "x.so", "abi_version": "0.9"}})") ==
        "the manifest declares MTIA plugin ABI 0.9; this host supports 1.0-1.2: the plugin is too "
        "old; rebuild it against plugin_abi 1.2");
  CHECK(manifestError(std::string(70000, ' ')) == "the manifest is larger than 65536 bytes");
}

TEST_CASE("A manifest that is a directory or missing fails at the manifest step",
          "[discovery][manifest]") {
  TempDir dir;
  fs::create_directory(dir.path() + "/plugin.json");
  const mtia::LoadError e = mtia_test::loadErrorOf(dir.path() + "/plugin.json");
  CHECK(e.step() == LoadStep::Manifest);
  CHECK(e.cause() == "'" + realPath(dir.path()) + "/plugin.json' is not a regular file (it is a directory)");
  const mtia::LoadError missing = mtia_test::loadErrorOf("/nonexistent/plugin.json");
  CHECK(missing.step() == LoadStep::Manifest);
  CHECK(missing.cause() == "cannot resolve '/nonexistent/plugin.json': No such file or directory");
}

// ---- discovery without MTIA_PLUGIN_PATH (docs/loading.md §2) -------------------

namespace {

std::string hostAbi() {
  return std::to_string(MTIA_PLUGIN_ABI_MAJOR) + "." + std::to_string(MTIA_PLUGIN_ABI_MINOR);
}

// A manifest for `library` (declaring `abi`), with a "priority" unless it is "".
std::string rankedManifest(const std::string& library, const std::string& abi,
                           const std::string& priority) {
  return R"({"file_format_version": "1.1.0", "plugin": {"library_path": ")" + library +
         R"(", "abi_version": ")" + abi + "\"" +
         (priority.empty() ? "" : ", \"priority\": " + priority) + "}}";
}
std::string sampleManifest(const std::string& priority = "") {
  return rankedManifest(samplePluginPath(), hostAbi(), priority);
}
std::string fixtureManifest(const std::string& priority = "") {
  return rankedManifest(fixturePath("fixture_good"), "1.0", priority);
}

// The three discovery folders in a temporary tree, none of them existing at
// first: "user" through XDG_CONFIG_HOME, "system" and "prefix" through the
// LoadEnvironment seam. MTIA_PLUGIN_PATH is unset meanwhile.
class Folders {
 public:
  Folders()
      : unset_("MTIA_PLUGIN_PATH", nullptr),
        xdg_("XDG_CONFIG_HOME", (tmp_.path() + "/config").c_str()),
        home_("HOME", (tmp_.path() + "/home").c_str()) {
    env_.system_plugins_dir = system();
    env_.prefix_plugins_dir = prefix();
  }
  std::string user() const { return tmp_.path() + "/config/mtia/plugins.d"; }
  std::string system() const { return tmp_.path() + "/etc/mtia/plugins.d"; }
  std::string prefix() const { return tmp_.path() + "/prefix/share/mtia/plugins.d"; }
  const std::string& root() const { return tmp_.path(); }
  mtia::LoadEnvironment& env() { return env_; }

  // Writes `text` as `folder`/`name` (mode 0644), creating the folder.
  std::string add(const std::string& folder, const std::string& name, const std::string& text) {
    fs::create_directories(folder);
    const std::string path = folder + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    fs::permissions(path, static_cast<fs::perms>(0644));
    return path;
  }

 private:
  TempDir tmp_;
  ScopedEnv unset_, xdg_, home_;
  mtia::LoadEnvironment env_;
};

const mtia::DiscoveryCandidate& taken(const mtia::LoadReport& report) {
  for (const auto& c : report.candidates) {
    if (c.verdict == mtia::CandidateVerdict::Taken) return c;
  }
  FAIL("no candidate was taken");
  throw std::logic_error("unreachable");
}

// The configure step's cause of a discovery that fails.
std::string configureError(Folders& folders, mtia::LoadReport* report = nullptr) {
  mtia::PluginLoader loader(folders.env());
  try {
    loader.loadFromEnvironment();
  } catch (const mtia::LoadError& e) {
    CHECK(e.step() == LoadStep::Configure);
    if (report != nullptr) *report = loader.lastReport();
    return e.cause();
  }
  FAIL("expected the configure step to fail");
  return {};
}

const char* const kRemedy =
    "; set it to the absolute path of an MTIA plugin library (.so) or manifest (.json)";

}  // namespace

TEST_CASE("Discovery loads the sample through a manifest in each folder", "[discovery]") {
  Folders folders;
  std::string dir, place;
  std::string user_dir = folders.user();
  std::optional<ScopedEnv> xdg;
  SECTION("user: $XDG_CONFIG_HOME/mtia/plugins.d") {
    place = "user", dir = folders.user();
  }
  SECTION("user: $HOME/.config/mtia/plugins.d when XDG_CONFIG_HOME is empty") {
    xdg.emplace("XDG_CONFIG_HOME", "");
    place = "user", dir = user_dir = folders.root() + "/home/.config/mtia/plugins.d";
  }
  SECTION("user: $HOME/.config/mtia/plugins.d when XDG_CONFIG_HOME is relative") {
    xdg.emplace("XDG_CONFIG_HOME", "config");
    place = "user", dir = user_dir = folders.root() + "/home/.config/mtia/plugins.d";
  }
  SECTION("system: /etc/mtia/plugins.d (the seam)") { place = "system", dir = folders.system(); }
  SECTION("prefix: <prefix>/share/mtia/plugins.d (the seam)") {
    place = "prefix", dir = folders.prefix();
  }
  const std::string m = folders.add(dir, "mtia-sample.json", sampleManifest());
  mtia::PluginLoader loader(folders.env());
  CHECK(loader.loadFromEnvironment().deviceCount() == 2);
  const std::string where = "the " + place + " plugins folder '" + dir + "'";
  CHECK(loader.info().name == "mtia-sample");
  CHECK(loader.info().path == m);
  CHECK(loader.info().found_by == "a manifest in " + where);
  const mtia::LoadReport& r = loader.lastReport();
  CHECK(r.source == "discovery");
  CHECK(r.path_given == m);
  CHECK(r.manifest_path == realPath(m));
  REQUIRE(r.discovery_places.size() == 3);
  const std::vector<std::string> dirs{user_dir, folders.system(), folders.prefix()};
  for (std::size_t i = 0; i < 3; ++i) {
    const mtia::DiscoveryPlace& p = r.discovery_places[i];
    CHECK(p.name == std::vector<std::string>{"user", "system", "prefix"}[i]);
    CHECK(p.directory == dirs[i]);
    CHECK(p.status == (p.name == place ? "1 manifest" : "does not exist"));
  }
  REQUIRE(r.candidates.size() == 1);
  CHECK(r.candidates[0].place == place);
  CHECK(r.candidates[0].manifest == m);
  CHECK(r.candidates[0].verdict == mtia::CandidateVerdict::Taken);
  CHECK(r.candidates[0].reason == "the only usable manifest");
  REQUIRE(r.steps.size() == 11);
  CHECK(r.steps[0].step == LoadStep::Configure);
  CHECK(r.steps[0].detail == "MTIA_PLUGIN_PATH is not set; discovery took '" + m +
                                 "' (the only usable manifest) in " + where);
  CHECK(r.steps[1].step == LoadStep::Manifest);
}

TEST_CASE("MTIA_PLUGIN_PATH wins over a discovered manifest", "[discovery]") {
  Folders folders;
  folders.add(folders.user(), "mtia-sample.json", sampleManifest("100"));
  folders.add(folders.system(), "mtia-sample.json", sampleManifest("100"));
  ScopedEnv set("MTIA_PLUGIN_PATH", fixturePath("fixture_good").c_str());
  mtia::PluginLoader loader(folders.env());
  CHECK(loader.loadFromEnvironment().deviceCount() == 1);
  CHECK(loader.info().name == "fixture");
  CHECK(loader.info().found_by == "MTIA_PLUGIN_PATH");
  const mtia::LoadReport& r = loader.lastReport();
  CHECK(r.source == "MTIA_PLUGIN_PATH");
  CHECK(r.discovery_places.empty());
  CHECK(r.candidates.empty());
  CHECK(r.toJson()["discovery"].is_null());
  CHECK(r.steps[0].detail == "MTIA_PLUGIN_PATH='" + fixturePath("fixture_good") + "'");
}

TEST_CASE("MTIA_PLUGIN_PATH set and empty disables discovery", "[discovery][global]") {
  Folders folders;
  folders.add(folders.user(), "mtia-sample.json", sampleManifest());
  ScopedEnv empty("MTIA_PLUGIN_PATH", "");
  mtia::LoadReport report;
  CHECK(configureError(folders, &report) ==
        "MTIA_PLUGIN_PATH is empty, which disables plugin discovery; set it to the absolute path "
        "of an MTIA plugin library (.so) or manifest (.json), or unset it to search the plugins.d "
        "folders");
  CHECK(report.discovery_places.empty());
  CHECK(report.candidates.empty());
  // The global loader (its first use in this process) gives the stub this reason.
  const mtia::GlobalLoadStatus status = mtia::globalLoadStatus();
  CHECK_FALSE(status.configured);
  CHECK(status.reason ==
        "No MTIA plugin is configured: MTIA_PLUGIN_PATH is empty, which disables plugin "
        "discovery; set it to the absolute path of an MTIA plugin library, or unset it to search "
        "the plugins.d folders.");
  CHECK(status.report.candidates.empty());
}

TEST_CASE("Discovery takes the highest priority, then the earlier folder, then the name",
          "[discovery]") {
  Folders folders;
  const std::string a = folders.add(folders.user(), "a.json", fixtureManifest());  // priority 0
  const std::string b = folders.add(folders.system(), "b.json", sampleManifest("5"));
  const std::string c = folders.add(folders.system(), "c.json", fixtureManifest("5"));
  const std::string d = folders.add(folders.prefix(), "d.json", fixtureManifest("5"));
  const std::string e = folders.add(folders.prefix(), "e.json", fixtureManifest("-3"));
  mtia::PluginLoader loader(folders.env());
  CHECK(loader.loadFromEnvironment().deviceCount() == 2);
  CHECK(loader.info().name == "mtia-sample");
  const mtia::LoadReport& r = loader.lastReport();
  REQUIRE(r.candidates.size() == 5);
  const std::string higher = "'" + b + "' ranks higher: ";
  const std::vector<std::tuple<std::string, int, mtia::CandidateVerdict, std::string>> expected{
      {a, 0, mtia::CandidateVerdict::Outranked, higher + "priority 5 against 0"},
      {b, 5, mtia::CandidateVerdict::Taken, "the highest-ranked of 5 usable manifests"},
      {c, 5, mtia::CandidateVerdict::Outranked,
       higher + "the same priority 5 in the same folder, and its file name sorts first"},
      {d, 5, mtia::CandidateVerdict::Outranked,
       higher + "the same priority 5, in an earlier folder (system)"},
      {e, -3, mtia::CandidateVerdict::Outranked, higher + "priority 5 against -3"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(i);
    CHECK(r.candidates[i].manifest == std::get<0>(expected[i]));
    CHECK(r.candidates[i].priority == std::get<1>(expected[i]));
    CHECK(r.candidates[i].verdict == std::get<2>(expected[i]));
    CHECK(r.candidates[i].reason == std::get<3>(expected[i]));
  }
  CHECK(&taken(r) == &r.candidates[1]);
}

TEST_CASE("A bad manifest or library is skipped with its reason and the next is tried",
          "[discovery]") {
  Folders folders;
  const std::string broken = folders.add(folders.user(), "broken.json", "{");
  const std::string gone = folders.add(folders.user(), "gone.json",
                                       rankedManifest("/nonexistent/libgone.so", "1.0", "9"));
  const std::string text_lib = folders.add(folders.user(), "libtext.so", "not a library\n");
  const std::string not_elf =
      folders.add(folders.user(), "not-elf.json", rankedManifest(text_lib, "1.0", "9"));
  folders.add(folders.user(), ".hidden.json", sampleManifest("99"));  // not a candidate
  folders.add(folders.user(), "README", "not a candidate either");
  const std::string writable = folders.add(folders.system(), "writable.json", sampleManifest("9"));
  fs::permissions(writable, static_cast<fs::perms>(0664));
  const std::string newer =
      folders.add(folders.system(), "newer.json", rankedManifest(samplePluginPath(), "2.0", "9"));
  const std::string bad_priority =
      folders.add(folders.system(), "priority.json", sampleManifest("\"high\""));
  const std::string copy = installFixture(folders.root() + "/lib/libwritable.so");
  fs::permissions(copy, static_cast<fs::perms>(0666));
  const std::string insecure_lib =
      folders.add(folders.prefix(), "insecure-lib.json", rankedManifest(copy, "1.0", "9"));
  const std::string good = folders.add(folders.prefix(), "sample.json", sampleManifest());
  mtia::PluginLoader loader(folders.env());
  CHECK(loader.loadFromEnvironment().deviceCount() == 2);
  const mtia::LoadReport& r = loader.lastReport();
  CHECK(r.discovery_places[0].status == "3 manifests");  // not .hidden.json, README, libtext.so
  CHECK(r.discovery_places[1].status == "3 manifests");
  CHECK(r.discovery_places[2].status == "2 manifests");
  REQUIRE(r.candidates.size() == 8);
  std::vector<std::string> manifests, reasons;
  for (const auto& c : r.candidates) {
    manifests.push_back(c.manifest);
    reasons.push_back(c.reason);
    CHECK(c.verdict == (c.manifest == good ? mtia::CandidateVerdict::Taken
                                           : mtia::CandidateVerdict::Skipped));
  }
  // Search order: folder, then file name.
  CHECK(manifests == std::vector<std::string>{broken, gone, not_elf, newer, bad_priority, writable,
                                              insecure_lib, good});
  CHECK_THAT(reasons[0], Catch::StartsWith("manifest failed: the manifest is not valid JSON: "
                                           "[json.exception.parse_error.101]"));
  CHECK(reasons[1] ==
        "locate failed: cannot resolve '/nonexistent/libgone.so': No such file or directory");
  CHECK(reasons[2] == "inspect failed: '" + realPath(text_lib) +
                          "' is not an ELF file (it does not start with the ELF magic bytes)");
  CHECK(reasons[3] ==
        "manifest failed: the manifest declares MTIA plugin ABI 2.0; this host supports 1.0-" +
            hostAbi() + ": rebuild the plugin against plugin_abi 1.x or upgrade the host");
  CHECK(reasons[4] ==
        "manifest failed: the manifest's \"priority\" is not an integer from -2147483648 to "
        "2147483647");
  CHECK(reasons[5] == "manifest failed: '" + realPath(writable) +
                          "' is writable by its group (mode 0664), so other users could change "
                          "the code it contains (rule file-writable; to override, set "
                          "MTIA_PLUGIN_ALLOW_INSECURE=file-writable)");
  CHECK(reasons[6] == "security failed: '" + realPath(copy) +
                          "' is writable by its group and others (mode 0666), so other users "
                          "could change the code it contains (rule file-writable; to override, "
                          "set MTIA_PLUGIN_ALLOW_INSECURE=file-writable)");
  CHECK(reasons[7] == "the only usable manifest");
}

TEST_CASE("Discovery without a usable manifest fails at configure and says why", "[discovery]") {
  Folders folders;
  SECTION("no manifest anywhere: the folders searched") {
    fs::create_directories(folders.system());
    mtia::LoadReport report;
    CHECK(configureError(folders, &report) ==
          "MTIA_PLUGIN_PATH is not set and no plugin manifest was found in '" + folders.user() +
              "', '" + folders.system() + "', '" + folders.prefix() + "'" + kRemedy +
              ", or install a manifest in one of those folders");
    CHECK(report.discovery_places[1].status == "no manifests");
    CHECK(report.source == "discovery");
    CHECK(report.path_given.empty());
    // The stub's reason is the one it always gave.
    CHECK(mtia::detail::noPluginReason(report.steps.back().detail, report) ==
          "No MTIA plugin is configured: set MTIA_PLUGIN_PATH to the absolute path of an MTIA "
          "plugin library.");
  }
  SECTION("only unusable manifests: each with its reason") {
    const std::string gone = folders.add(folders.user(), "gone.json",
                                         rankedManifest("/nonexistent/libgone.so", "1.0", ""));
    fs::create_directories(folders.prefix() + "/dir.json");
    const std::string dir = folders.prefix() + "/dir.json";
    mtia::LoadReport report;
    const std::string list = "'" + gone +
                             "': locate failed: cannot resolve '/nonexistent/libgone.so': No such "
                             "file or directory; '" + dir + "': manifest failed: '" +
                             realPath(dir) + "' is not a regular file (it is a directory)";
    CHECK(configureError(folders, &report) ==
          "MTIA_PLUGIN_PATH is not set and no plugin manifest found is usable (" + list + ")" +
              kRemedy);
    CHECK(mtia::detail::noPluginReason(report.steps.back().detail, report) ==
          "No MTIA plugin is configured: no plugin manifest found is usable (" + list +
              "); set MTIA_PLUGIN_PATH to the absolute path of an MTIA plugin library.");
    const std::string text = report.toText();
    CHECK_THAT(text, Catch::Contains("\n  discovery   prefix      '" + folders.prefix() +
                                     "': 1 manifest\n  candidate   skipped     '" + gone +
                                     "' (user, priority 0): locate failed: "));
  }
}

TEST_CASE("Secure-execution mode skips the user folder", "[discovery][security]") {
  Folders folders;
  folders.add(folders.user(), "mtia-sample.json", sampleManifest("100"));
  const std::string m = folders.add(folders.prefix(), "fixture.json", fixtureManifest());
  folders.env().secure_execution = [] { return true; };
  mtia::PluginLoader loader(folders.env());
  CHECK(loader.loadFromEnvironment().deviceCount() == 1);
  CHECK(loader.info().name == "fixture");
  const mtia::LoadReport& r = loader.lastReport();
  CHECK(r.discovery_places[0].name == "user");
  CHECK(r.discovery_places[0].directory.empty());
  CHECK(r.discovery_places[0].status == "skipped in a setuid/setgid (secure-execution) process");
  REQUIRE(r.candidates.size() == 1);
  CHECK(r.candidates[0].manifest == m);
  CHECK_THAT(r.toText(), Catch::Contains("\n  discovery   user        skipped in a setuid/setgid "
                                         "(secure-execution) process\n"));
}

TEST_CASE("Without an absolute XDG_CONFIG_HOME or HOME the user folder is skipped",
          "[discovery]") {
  Folders folders;
  ScopedEnv xdg("XDG_CONFIG_HOME", nullptr);
  ScopedEnv home("HOME", "relative/home");
  const std::string m = folders.add(folders.system(), "fixture.json", fixtureManifest());
  mtia::PluginLoader loader(folders.env());
  CHECK(loader.loadFromEnvironment().deviceCount() == 1);
  CHECK(loader.lastReport().discovery_places[0].status ==
        "skipped: neither XDG_CONFIG_HOME nor HOME is an absolute path");
}

TEST_CASE("The discovery report as JSON and text", "[discovery][report]") {
  Folders folders;
  const std::string m = folders.add(folders.prefix(), "mtia-sample.json", sampleManifest("7"));
  mtia::PluginLoader loader(folders.env());
  loader.loadFromEnvironment();
  const mtia::LoadReport& r = loader.lastReport();
  const nlohmann::json j = r.toJson();
  CHECK(j["source"] == "discovery");
  CHECK(j["discovery"]["places"][2] == nlohmann::json{{"name", "prefix"},
                                                      {"directory", folders.prefix()},
                                                      {"status", "1 manifest"}});
  CHECK(j["discovery"]["candidates"] ==
        nlohmann::json::array({{{"place", "prefix"},
                                {"manifest", m},
                                {"priority", 7},
                                {"verdict", "taken"},
                                {"reason", "the only usable manifest"}}}));
  CHECK(j["path_given"] == m);
  CHECK(r.toText().rfind("MTIA plugin load report for '" + m + "': loaded\n"
                         "  discovery   user        '" + folders.user() + "': does not exist\n"
                         "  discovery   system      '" + folders.system() + "': does not exist\n"
                         "  discovery   prefix      '" + folders.prefix() + "': 1 manifest\n"
                         "  candidate   taken       '" + m +
                             "' (prefix, priority 7): the only usable manifest\n"
                             "  configure   ok          MTIA_PLUGIN_PATH is not set; discovery took '",
                         0) == 0);
}

TEST_CASE("The prefix folder follows the library directory, multiarch included",
          "[discovery]") {
  using mtia::detail::prefixPluginsDir;
  CHECK(prefixPluginsDir("/opt/x/lib", "../share") == "/opt/x/share/mtia/plugins.d");
  CHECK(prefixPluginsDir("/opt/x/lib/x86_64-linux-gnu", "../../share") ==
        "/opt/x/share/mtia/plugins.d");
  CHECK(prefixPluginsDir("/usr/lib64", "../share") == "/usr/share/mtia/plugins.d");
  CHECK(prefixPluginsDir("/lib", "../share") == "/share/mtia/plugins.d");
  CHECK(prefixPluginsDir("/opt/x", "") == "/opt/x/mtia/plugins.d");
}
