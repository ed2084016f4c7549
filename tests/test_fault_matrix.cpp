// The fault matrix (docs/loading.md §8 lists the faults): one test case per fault, grouped as
// configuration, manifest, files, security, negotiation and lifecycle. Each
// case asserts the step that failed, the key words of the cause, that the load
// report agrees, and that a good plugin still loads afterwards.
#include "test_support.h"

#include "fixture_counters.h"
#include "negotiation.h"  // host/src: the ABI window, for the minor-below-window case

#include <elf.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <iterator>

using mtia::LoadStep;
using mtia_test::fixturePath;
using mtia_test::samplePluginPath;
using mtia_test::ScopedEnv;
using mtia_test::TempDir;

namespace {

namespace fs = std::filesystem;

// After a fault the process is healthy: the sample plugin loads and works.
void checkGoodLoadStillWorks() {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(samplePluginPath());
  CHECK(hooks.deviceCount() == 2);
  CHECK(loader.lastReport().ok);
}

// Runs `attempt` on a fresh loader; it must fail at `step` with every word in
// its cause, and the loader's report must say the same.
void expectFault(const std::function<void(mtia::PluginLoader&)>& attempt, LoadStep step,
                 std::initializer_list<std::string> words, mtia::LoadEnvironment env = {}) {
  {
    mtia::PluginLoader loader(std::move(env));
    try {
      attempt(loader);
      FAIL("the load succeeded; expected a failure at " << mtia::loadStepName(step));
    } catch (const mtia::LoadError& e) {
      CHECK(mtia::loadStepName(e.step()) == std::string(mtia::loadStepName(step)));
      for (const std::string& w : words) CHECK_THAT(e.cause(), Catch::Contains(w));
      const mtia::LoadReport& report = loader.lastReport();
      CHECK_FALSE(report.ok);
      CHECK(report.error == e.what());
      REQUIRE(report.failedStep() != nullptr);
      CHECK(report.failedStep()->step == step);
      CHECK(report.failedStep()->detail == e.cause());
      for (std::size_t i = 0; i + 1 < report.steps.size(); ++i) {
        CHECK(report.steps[i].verdict != mtia::StepVerdict::Failed);
      }
    }
    CHECK_FALSE(loader.isLoaded());
  }
  checkGoodLoadStillWorks();
}

void expectLoadFault(const std::string& path, LoadStep step, std::initializer_list<std::string> words,
                     mtia::LoadEnvironment env = {}) {
  expectFault([&](mtia::PluginLoader& l) { l.load(path); }, step, words, std::move(env));
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes `bytes` as dir/name with mode 0755 (or `mode`) and returns the path.
std::string writeFile(const TempDir& dir, const std::string& name, const std::string& bytes,
                      mode_t mode = 0755) {
  const std::string path = dir.write(name, bytes);
  REQUIRE(chmod(path.c_str(), mode) == 0);
  return path;
}

// A copy of the good C fixture, changed by `edit`.
std::string craftedCopy(const TempDir& dir, const std::string& name,
                        const std::function<void(std::string&)>& edit) {
  std::string bytes = readFile(fixturePath("fixture_good"));
  REQUIRE(bytes.size() > 1024);
  edit(bytes);
  return writeFile(dir, name, bytes);
}

std::string realPath(const std::string& path) {
  char* r = realpath(path.c_str(), nullptr);
  REQUIRE(r != nullptr);
  std::string s = r;
  std::free(r);
  return s;
}

// A LoadEnvironment in which this process runs as uid 1000 and owns every
// file, except `foreign`, which uid 4242 owns.
mtia::LoadEnvironment foreignOwner(const std::string& foreign) {
  mtia::LoadEnvironment env;
  env.effective_uid = [] { return uid_t{1000}; };
  env.stat = [foreign](const char* p, struct stat* st) {
    const int rc = ::stat(p, st);
    if (rc == 0) st->st_uid = foreign == p ? 4242 : 1000;
    return rc;
  };
  return env;
}

std::string manifest(const std::string& library_path, const std::string& abi = "1.0",
                     const std::string& format = "1.0.0") {
  return R"({"file_format_version": ")" + format + R"(", "plugin": {"library_path": ")" +
         library_path + R"(", "abi_version": ")" + abi + R"("}})";
}

}  // namespace

// ---- configuration --------------------------------------------------------------

TEST_CASE("Fault: MTIA_PLUGIN_PATH is unset", "[faults][configuration]") {
  ScopedEnv env("MTIA_PLUGIN_PATH", nullptr);
  // Discovery searches empty temporary folders, never the system's.
  TempDir empty;
  ScopedEnv xdg("XDG_CONFIG_HOME", empty.path().c_str());
  mtia::LoadEnvironment folders;
  folders.system_plugins_dir = empty.path() + "/etc";
  folders.prefix_plugins_dir = empty.path() + "/prefix";
  expectFault([](auto& l) { l.loadFromEnvironment(); }, LoadStep::Configure,
              {"MTIA_PLUGIN_PATH is not set and no plugin manifest was found in",
               "absolute path of an MTIA plugin library"},
              folders);
}

TEST_CASE("Fault: MTIA_PLUGIN_PATH is empty", "[faults][configuration]") {
  ScopedEnv env("MTIA_PLUGIN_PATH", "");
  expectFault([](auto& l) { l.loadFromEnvironment(); }, LoadStep::Configure,
              {"MTIA_PLUGIN_PATH is empty"});
}

TEST_CASE("Fault: a relative path", "[faults][configuration]") {
  expectLoadFault("build/libmtia_sample_plugin.so", LoadStep::Locate,
                  {"must be absolute", "LD_LIBRARY_PATH"});
}

TEST_CASE("Fault: a bare library name in MTIA_PLUGIN_PATH", "[faults][configuration]") {
  ScopedEnv env("MTIA_PLUGIN_PATH", "libmtia_sample_plugin.so");
  expectFault([](auto& l) { l.loadFromEnvironment(); }, LoadStep::Locate,
              {"must be absolute", "bare name"});
}

TEST_CASE("Fault: a directory", "[faults][configuration]") {
  TempDir dir;
  expectLoadFault(dir.path(), LoadStep::Locate, {"is not a regular file (it is a directory)"});
}

TEST_CASE("Fault: a missing file", "[faults][configuration]") {
  expectLoadFault("/nonexistent/libmtia_missing.so", LoadStep::Locate,
                  {"cannot resolve '/nonexistent/libmtia_missing.so'", "No such file or directory"});
}

TEST_CASE("Fault: a dangling symbolic link", "[faults][configuration]") {
  TempDir dir;
  const std::string link = dir.path() + "/libmtia_link.so";
  REQUIRE(symlink("/nonexistent/libmtia_gone.so", link.c_str()) == 0);
  expectLoadFault(link, LoadStep::Locate,
                  {"'" + link + "' is a dangling symbolic link",
                   "its target '/nonexistent/libmtia_gone.so' does not exist"});
}

TEST_CASE("Fault: a ':'-separated list", "[faults][configuration]") {
  const std::string list = samplePluginPath() + ":" + fixturePath("fixture_good");
  expectLoadFault(list, LoadStep::Locate,
                  {"No such file or directory", "':'-separated lists are not supported"});
}

TEST_CASE("Fault: a path with a NUL character", "[faults][configuration]") {
  expectLoadFault(samplePluginPath() + std::string(1, '\0') + "x", LoadStep::Locate,
                  {"contains a NUL character"});
}

TEST_CASE("Fault: spaces and Unicode in the path are kept intact", "[faults][configuration]") {
  TempDir dir;
  const std::string sub = dir.path() + "/dir with spaces ü";
  REQUIRE(mkdir(sub.c_str(), 0755) == 0);
  const std::string missing = sub + "/libmtia plügin ✓.so";
  expectLoadFault(missing, LoadStep::Locate, {"cannot resolve '" + missing + "'"});
  fs::copy_file(fixturePath("fixture_good"), missing);
  REQUIRE(chmod(missing.c_str(), 0755) == 0);
  mtia::PluginLoader loader;
  CHECK(loader.load(missing).deviceCount() == 1);
  CHECK(loader.info().path == missing);
  CHECK(loader.lastReport().path_resolved == realPath(missing));
}

// ---- manifest -------------------------------------------------------------------

TEST_CASE("Fault: a manifest that is not JSON", "[faults][manifest]") {
  TempDir dir;
  const std::string m = writeFile(dir, "plugin.json", "{\"file_format_version\": ", 0644);
  expectLoadFault(m, LoadStep::Manifest, {"the manifest is not valid JSON", "parse error"});
}

TEST_CASE("Fault: a manifest of an unsupported file format", "[faults][manifest]") {
  TempDir dir;
  const std::string m = writeFile(dir, "plugin.json", manifest("libx.so", "1.0", "2.0.0"), 0644);
  expectLoadFault(m, LoadStep::Manifest,
                  {"file_format_version 2.0.0 is not supported", "file format 1.x.y"});
}

TEST_CASE("Fault: a manifest without library_path", "[faults][manifest]") {
  TempDir dir;
  const std::string m = writeFile(
      dir, "plugin.json", R"({"file_format_version": "1.0.0", "plugin": {"abi_version": "1.0"}})",
      0644);
  expectLoadFault(m, LoadStep::Manifest, {"lacks a non-empty string \"library_path\""});
}

TEST_CASE("Fault: a manifest declaring an ABI this host cannot serve", "[faults][manifest]") {
  TempDir dir;
  const std::string m =
      writeFile(dir, "plugin.json", manifest(fixturePath("fixture_good"), "2.0"), 0644);
  expectLoadFault(m, LoadStep::Manifest,
                  {"the manifest declares MTIA plugin ABI 2.0", "this host supports 1.0-1.2"});
}

TEST_CASE("Fault: a manifest naming a missing library", "[faults][manifest]") {
  TempDir dir;
  const std::string m = writeFile(dir, "plugin.json", manifest("libmtia_missing.so"), 0644);
  expectLoadFault(m, LoadStep::Locate,
                  {"cannot resolve '" + realPath(dir.path()) + "/libmtia_missing.so'",
                   "No such file or directory"});
}

TEST_CASE("Fault: a manifest whose ABI disagrees with the library's table", "[faults][manifest]") {
  TempDir dir;
  const std::string m =
      writeFile(dir, "plugin.json", manifest(fixturePath("fixture_good"), "1.1"), 0644);
  expectLoadFault(m, LoadStep::Negotiate,
                  {"the library's table declares MTIA plugin ABI 1.0", "declares 1.1",
                   "correct the manifest's abi_version"});
}

TEST_CASE("Fault: a world-writable manifest", "[faults][manifest][security]") {
  TempDir dir;
  const std::string m =
      writeFile(dir, "plugin.json", manifest(fixturePath("fixture_good")), 0666);
  expectLoadFault(m, LoadStep::Manifest,
                  {"is writable by its group and others (mode 0666)", "rule file-writable"});
}

// ---- files ----------------------------------------------------------------------

TEST_CASE("Fault: a file that is not ELF", "[faults][files]") {
  TempDir dir;
  const std::string p = writeFile(dir, "libtext.so", "#!/bin/sh\necho not a library\n");
  expectLoadFault(p, LoadStep::Inspect, {"is not an ELF file", "magic bytes"});
}

TEST_CASE("Fault: an empty file", "[faults][files]") {
  TempDir dir;
  const std::string p = writeFile(dir, "libempty.so", "");
  expectLoadFault(p, LoadStep::Inspect, {"'" + p + "' is empty"});
}

TEST_CASE("Fault: a truncated ELF library (would SIGBUS inside dlopen)", "[faults][files]") {
  TempDir dir;
  const std::string p =
      craftedCopy(dir, "libtruncated.so", [](std::string& b) { b.resize(b.size() / 3); });
  expectLoadFault(p, LoadStep::Inspect, {"is truncated: segment", "but the file has"});
}

TEST_CASE("Fault: an ELF file cut inside its header", "[faults][files]") {
  TempDir dir;
  const std::string p = craftedCopy(dir, "libstub.so", [](std::string& b) { b.resize(40); });
  expectLoadFault(p, LoadStep::Inspect, {"is truncated: the ELF header ends at byte", "40 bytes"});
}

TEST_CASE("Fault: an ELF library of the wrong class", "[faults][files]") {
  REQUIRE(sizeof(void*) == 8);  // the crafted file is a 32-bit one
  TempDir dir;
  const std::string p =
      craftedCopy(dir, "lib32.so", [](std::string& b) { b[EI_CLASS] = ELFCLASS32; });
  expectLoadFault(p, LoadStep::Inspect, {"is a 32-bit ELF file, but this process is 64-bit"});
}

TEST_CASE("Fault: an ELF library for another machine", "[faults][files]") {
  TempDir dir;
  std::string foreign;
  const std::string p = craftedCopy(dir, "libforeign.so", [&](std::string& b) {
    Elf64_Half machine = 0;
    std::memcpy(&machine, b.data() + offsetof(Elf64_Ehdr, e_machine), sizeof(machine));
    const Elf64_Half other = machine == EM_AARCH64 ? EM_X86_64 : EM_AARCH64;
    foreign = other == EM_AARCH64 ? "AArch64 (ELF machine 183)" : "x86-64 (ELF machine 62)";
    std::memcpy(b.data() + offsetof(Elf64_Ehdr, e_machine), &other, sizeof(other));
  });
  expectLoadFault(p, LoadStep::Inspect, {"is built for " + foreign, "but this process runs on"});
}

TEST_CASE("Fault: an ELF library of the wrong byte order", "[faults][files]") {
  TempDir dir;
  const std::string p =
      craftedCopy(dir, "libswapped.so", [](std::string& b) { b[EI_DATA] = ELFDATA2MSB; });
  expectLoadFault(p, LoadStep::Inspect,
                  {"is a big-endian ELF file, but this process is little-endian"});
}

TEST_CASE("Fault: an ELF executable instead of a shared library", "[faults][files]") {
  TempDir dir;
  const std::string p = craftedCopy(dir, "libexec.so", [](std::string& b) {
    const Elf64_Half exec = ET_EXEC;
    std::memcpy(b.data() + offsetof(Elf64_Ehdr, e_type), &exec, sizeof(exec));
  });
  expectLoadFault(p, LoadStep::Inspect, {"is an ELF executable, not a shared library"});
}

TEST_CASE("Fault: a missing DT_NEEDED dependency", "[faults][files]") {
  expectLoadFault(fixturePath("fixture_missing_dep"), LoadStep::Open,
                  {"libmtia_fixture_dep.so: cannot open shared object file"});
}

TEST_CASE("Fault: an unresolved symbol", "[faults][files]") {
  expectLoadFault(fixturePath("fixture_unresolved_symbol"), LoadStep::Open,
                  {"undefined symbol: mtia_fixture_symbol_nobody_defines"});
}

// ---- security -------------------------------------------------------------------

TEST_CASE("Fault: a world-writable library", "[faults][security]") {
  TempDir dir;
  const std::string p = craftedCopy(dir, "libww.so", [](std::string&) {});
  REQUIRE(chmod(p.c_str(), 0757) == 0);
  expectLoadFault(p, LoadStep::Security,
                  {"is writable by others (mode 0757)", "rule file-writable",
                   "to override, set MTIA_PLUGIN_ALLOW_INSECURE=file-writable"});
}

TEST_CASE("Fault: a group-writable library", "[faults][security]") {
  TempDir dir;
  const std::string p = craftedCopy(dir, "libgw.so", [](std::string&) {});
  REQUIRE(chmod(p.c_str(), 0775) == 0);
  expectLoadFault(p, LoadStep::Security,
                  {"is writable by its group (mode 0775)", "rule file-writable"});
}

TEST_CASE("Fault: a library in a world-writable directory", "[faults][security]") {
  TempDir dir;
  const std::string open_dir = dir.path() + "/open";
  REQUIRE(mkdir(open_dir.c_str(), 0755) == 0);
  REQUIRE(chmod(open_dir.c_str(), 01777) == 0);
  const std::string p = open_dir + "/libplugin.so";
  fs::copy_file(fixturePath("fixture_good"), p);
  REQUIRE(chmod(p.c_str(), 0755) == 0);
  expectLoadFault(p, LoadStep::Security,
                  {"its directory '" + realPath(open_dir) + "' is writable by others (mode 1777)",
                   "rule dir-writable", "MTIA_PLUGIN_ALLOW_INSECURE=dir-writable"});
}

TEST_CASE("Fault: a library owned by another user (simulated)", "[faults][security]") {
  const std::string p = realPath(fixturePath("fixture_good"));
  expectLoadFault(p, LoadStep::Security,
                  {"'" + p + "' is owned by uid 4242, which is neither root nor this process's "
                             "user (uid 1000)",
                   "rule file-owner"},
                  foreignOwner(p));
}

TEST_CASE("Fault: a library in a directory owned by another user (simulated)",
          "[faults][security]") {
  const std::string p = realPath(fixturePath("fixture_good"));
  const std::string dir = p.substr(0, p.rfind('/'));
  expectLoadFault(p, LoadStep::Security,
                  {"its directory '" + dir + "' is owned by uid 4242", "rule dir-owner"},
                  foreignOwner(dir));
}

TEST_CASE("Fault: secure-execution mode (simulated) ignores MTIA_PLUGIN_PATH",
          "[faults][security]") {
  ScopedEnv env("MTIA_PLUGIN_PATH", samplePluginPath().c_str());
  mtia::LoadEnvironment secure;
  secure.secure_execution = [] { return true; };
  expectFault([](auto& l) { l.loadFromEnvironment(); }, LoadStep::Configure,
              {"MTIA_PLUGIN_PATH is ignored in a setuid/setgid (secure-execution) process"},
              secure);
}

TEST_CASE("Fault: an override naming an unknown rule", "[faults][security]") {
  expectFault(
      [](auto& l) {
        ScopedEnv env("MTIA_PLUGIN_ALLOW_INSECURE", "file-writeable");
        l.load(fixturePath("fixture_good"));
      },
      LoadStep::Security,
      {"MTIA_PLUGIN_ALLOW_INSECURE names an unknown rule 'file-writeable'",
       "file-writable, file-owner, dir-writable, dir-owner"});
}

// ---- negotiation ----------------------------------------------------------------

TEST_CASE("Fault: the entry symbol is missing", "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_no_entry"), LoadStep::Resolve,
                  {"does not export 'mtia_plugin_get_api'", "undefined symbol"});
}

TEST_CASE("Fault: the entry point returns an error", "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_entry_fails"), LoadStep::Query,
                  {"returned VERSION_MISMATCH", "fixture: this plugin refuses every host"});
}

TEST_CASE("Fault: the entry point returns no table", "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_entry_null_table"), LoadStep::Query,
                  {"returned OK but no function table"});
}

TEST_CASE("Fault: ABI major too high", "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_major_too_high"), LoadStep::Negotiate,
                  {"ABI 2.0", "this host supports 1.0-1.2", "upgrade the host"});
}

TEST_CASE("Fault: ABI major too low", "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_major_too_low"), LoadStep::Negotiate,
                  {"ABI 0.0", "the plugin is too old"});
}

TEST_CASE("Fault: ABI minor below the host's window", "[faults][negotiation]") {
  // This host's window starts at 1.0, so no plugin can be below it; a host
  // whose window is 1.2-1.5 must refuse a 1.1 plugin with this message.
  mtia_plugin_api_t table{};
  table.abi_major = 1;
  table.abi_minor = 1;
  try {
    mtia::detail::negotiateVersion(table, mtia::detail::AbiWindow{1, 2, 5});
    FAIL("a 1.1 plugin passed a 1.2-1.5 window");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) ==
          "plugin implements MTIA plugin ABI 1.1; this host supports 1.2-1.5: the plugin is too "
          "old; rebuild it against plugin_abi 1.5");
  }
  checkGoodLoadStillWorks();
}

TEST_CASE("Fault: struct_size too small", "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_struct_too_small"), LoadStep::Validate,
                  {"struct_size is 64 bytes", "ABI 1.0 requires"});
}

TEST_CASE("Fault: a required slot is NULL", "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_null_required"), LoadStep::Validate,
                  {"required slot 'get_current_device' is NULL"});
}

TEST_CASE("Fault: the table has no plugin_name", "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_no_name"), LoadStep::Validate,
                  {"the function table has no plugin_name"});
}

TEST_CASE("Fault: initialize() fails", "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_init_fails"), LoadStep::Initialize,
                  {"initialize() returned UNAVAILABLE", "simulated firmware did not answer"});
}

TEST_CASE("Fault: initialize() throws inside the plugin, which catches it",
          "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_init_throws"), LoadStep::Initialize,
                  {"initialize() returned INTERNAL: fixture: firmware image checksum mismatch"});
}

TEST_CASE("Fault: initialize() lets a C++ exception escape", "[faults][negotiation]") {
  expectLoadFault(fixturePath("fixture_init_throws_uncaught"), LoadStep::Initialize,
                  {"initialize() let a C++ exception escape into the host: fixture: firmware "
                   "image checksum mismatch",
                   "mtia::plugin::guard"});
}

// ---- lifecycle ------------------------------------------------------------------

TEST_CASE("Fault: the same plugin reached twice by two loaders", "[faults][lifecycle]") {
  mtia::PluginLoader first;
  const mtia::MTIAHooksInterface& hooks = first.load(fixturePath("fixture_good"));
  expectLoadFault(fixturePath("fixture_good"), LoadStep::Open,
                  {"is already loaded by another PluginLoader in this process",
                   "initialised at most once per process"});
  CHECK(hooks.deviceCount() == 1);  // the first loader is unaffected
  first.unload();
  mtia::PluginLoader second;  // once released, another loader may load it
  CHECK(second.load(fixturePath("fixture_good")).deviceCount() == 1);
}

TEST_CASE("Fault: the same plugin reached twice through a hard link", "[faults][lifecycle]") {
  const std::string data = MTIA_TEST_DATA_DIR;
  fs::create_directories(data);
  std::string pattern = data + "/hardlink-XXXXXX";
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  const std::string link = pattern + "/libsame.so";
  REQUIRE(::link(fixturePath("fixture_good").c_str(), link.c_str()) == 0);
  {
    mtia::PluginLoader first;
    first.load(fixturePath("fixture_good"));
    expectLoadFault(link, LoadStep::Open, {"'" + realPath(link) + "' is already loaded"});
  }
  fs::remove_all(pattern);
}

TEST_CASE("Fault: a call after unload fails cleanly", "[faults][lifecycle]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(samplePluginPath());
  hooks.setCurrentDevice(1);
  loader.unload();
  const std::string tail =
      "failed in MTIA plugin 'mtia-sample': the plugin was unloaded (PluginLoader::unload()); "
      "load it again to use it (UNAVAILABLE)";
  CHECK(mtia_test::errorOf([&] { hooks.getCurrentDevice(); }) == "getCurrentDevice() " + tail);
  CHECK(mtia_test::errorOf([&] { hooks.deviceCount(); }) == "deviceCount() " + tail);
  CHECK(mtia_test::errorOf([&] { hooks.setCurrentDevice(0); }) == "setCurrentDevice() " + tail);
  CHECK(mtia_test::errorOf([&] { hooks.getCurrentStream(0); }) == "getCurrentStream() " + tail);
  CHECK(mtia_test::errorOf([&] { hooks.createStream(0); }) == "createStream() " + tail);
  CHECK(mtia_test::errorOf([&] { hooks.showConfig(); }) == "showConfig() " + tail);
  CHECK(mtia_test::errorOf([&] { hooks.memoryStats(0); }) == "memoryStats() " + tail);
  CHECK_FALSE(hooks.hasMTIA());
  CHECK_FALSE(hooks.isAvailable());
  CHECK(hooks.getExtension(MTIA_EXT_STREAMS_V1) == nullptr);
  CHECK(hooks.pluginInfo()->name == "mtia-sample");
  checkGoodLoadStillWorks();
}

TEST_CASE("Fault: shutdown runs once per successful initialize, never after a failed one",
          "[faults][lifecycle]") {
  fixture_reset_counts();
  expectLoadFault(fixturePath("fixture_counting_init_fails"), LoadStep::Initialize,
                  {"initialize() returned UNAVAILABLE"});
  CHECK(fixture_counted("initialize") == 1);
  CHECK(fixture_counted("shutdown") == 0);
  fixture_reset_counts();
  {
    mtia::PluginLoader loader;
    loader.load(fixturePath("fixture_counting"));
    loader.unload();
    loader.unload();  // idempotent
  }
  CHECK(fixture_counted("entry") == 1);
  CHECK(fixture_counted("initialize") == 1);
  CHECK(fixture_counted("shutdown") == 1);
}

TEST_CASE("Fault: load and unload repeated", "[faults][lifecycle]") {
  fixture_reset_counts();
  constexpr int kCycles = 25;
  mtia::PluginLoader loader;
  for (int i = 0; i < kCycles; ++i) {
    const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_counting"));
    REQUIRE(hooks.deviceCount() == 1);
    loader.unload();
  }
  CHECK(fixture_counted("load") == kCycles);  // really unmapped and mapped again
  CHECK(fixture_counted("unload") == kCycles);
  CHECK(fixture_counted("entry") == kCycles);
  CHECK(fixture_counted("initialize") == kCycles);
  CHECK(fixture_counted("shutdown") == kCycles);
  checkGoodLoadStillWorks();
}
