// Discovery: manifests, MTIA_PLUGIN_PATH through loadFromEnvironment, the
// load report (C++ and JSON), and every manifest error, word for word.
#include "test_support.h"

#include <filesystem>
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
