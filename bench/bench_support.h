// bench_support.h — what the benchmark sources share.
#pragma once

#include "host_services.h"

#include <mtia/hooks.h>
#include <mtia/loader.h>
#include <mtia/plugin_abi.h>

#include <benchmark/benchmark.h>

#include <dlfcn.h>
#include <stdlib.h>

#include <cerrno>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace mtia_bench {

// The sample plugin as built (MTIA_SAMPLE_PLUGIN_PATH); main() points
// MTIA_PLUGIN_PATH at it before anything calls getMTIAHooks().
inline const std::string kSamplePluginPath = MTIA_SAMPLE_PLUGIN_PATH;
// The benchmark plugin (backend_plugin.cpp): the baselines' backend code as
// plugin slots.
inline const std::string kBenchPluginPath = MTIA_BENCH_PLUGIN_PATH;

// What a hot-hook benchmark calls. The benchmark backend (backend.h) through
// the host: Host, the benchmark plugin loaded by a PluginLoader (the judged
// rows); Direct, the same loaded plugin's slots called through its own table
// (no host: Host - Direct is the host's own cost). The same backend code as
// the in-process baseline (in_process_hooks.cpp) built three ways: into this
// executable (InProcess: the ideal), as a shared library with the sample
// plugin's compile options and TLS model, the benchmark plugin's too
// (LibSameTLS: the baseline of the host's added cost), and as a shared
// library with the default -fPIC options (LibPIC). Sample: the sample plugin
// behind getMTIAHooks() (informational: its slots are not the backend's).
// Floor: the floor of any C-table design (makeFunctionTableHooks;
// getCurrentDevice and getCurrentStream only). Benchmarks of one hook are
// named "<Subject>/<hook>" (bench/report.py).
enum class Subject { Host, Sample, Direct, InProcess, LibSameTLS, LibPIC, Floor };
inline constexpr int kSubjects = 7;
const char* subjectName(Subject subject) noexcept;

struct Fixture {
  const mtia::MTIAHooksInterface* hooks = nullptr;  // nullptr for Direct
  const mtia_plugin_api_t* table = nullptr;         // Direct only
  mtia::DeviceIndex devices[2] = {0, 1};
  // Device 0's default stream and a stream created on it, and the same as
  // they cross the ABI.
  mtia::Stream streams[2] = {mtia::Stream(0, mtia::Device(mtia::DeviceType::MTIA, 0)),
                             mtia::Stream(0, mtia::Device(mtia::DeviceType::MTIA, 0))};
  mtia_stream_t abi_streams[2] = {};
};

// Set up by main() before any benchmark runs.
const Fixture& fixture(Subject subject) noexcept;

// Runs every hot-hook row `iterations` times on one thread (and the JSON
// rows iterations/1000 times), each loop alone under callgrind
// instrumentation, its counts dumped as "<Subject>/<hook>@<calls>"
// (callgrind_rows.h, bench/callgrind.sh); "Empty/loop" is the loop without a
// call. Returns the process exit status: 1 when not built with
// <valgrind/callgrind.h> or not running under valgrind.
int countHotHookInstructions(long iterations);

// A private copy of the sample plugin, removed at exit. The file behind
// getMTIAHooks() stays loaded for the life of the process, and dlopen of a
// loaded file only bumps a reference count: a copy is a plugin of its own,
// with its own globals.
class PluginCopy {
 public:
  PluginCopy() {
    namespace fs = std::filesystem;
    std::string dir = (fs::temp_directory_path() / "mtia-bench-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) throw std::system_error(errno, std::generic_category(), dir);
    dir_ = dir;
    path_ = (dir_ / fs::path(kSamplePluginPath).filename()).string();
    fs::copy_file(kSamplePluginPath, path_);
    fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  }
  ~PluginCopy() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  const std::string& path() const noexcept { return path_; }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

// A plugin loaded by a PluginLoader (the host path), and its table asked
// again from the loaded library's entry point (the direct path): both paths
// reach the same plugin state. Asking again only replaces the plugin's host
// services (their log sink) with the benchmark's.
struct LoadedPlugin {
  explicit LoadedPlugin(const std::string& path) : hooks(&loader.load(path)) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    auto entry = reinterpret_cast<mtia_plugin_get_api_fn>(
        handle != nullptr ? dlsym(handle, MTIA_PLUGIN_ENTRY_SYMBOL) : nullptr);
    if (entry == nullptr || entry(&services, &table, nullptr) != MTIA_STATUS_OK) {
      throw std::runtime_error("cannot get the table of the loaded plugin " + path);
    }
    if (handle != nullptr) dlclose(handle);  // the loader's reference keeps it loaded
  }
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface* hooks;
  const mtia_host_services_t services = benchHostServices();
  const mtia_plugin_api_t* table = nullptr;
};

// A private copy of the sample plugin, loaded (LoadedPlugin): the JSON and
// memory rows' host and direct paths, on one plugin state of their own.
struct LoadedCopy {
  PluginCopy copy;
  LoadedPlugin plugin{copy.path()};
};

// Runs a benchmark body; an exception fails the benchmark with its message
// instead of terminating the run.
template <class Body>
void runGuarded(benchmark::State& state, Body body) {
  try {
    body();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

}  // namespace mtia_bench
