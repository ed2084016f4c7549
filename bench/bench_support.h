// bench_support.h — what the benchmark sources share.
#pragma once

#include "host_services.h"

#include <mtia/hooks.h>
#include <mtia/plugin_abi.h>

#include <benchmark/benchmark.h>

#include <stdlib.h>

#include <cerrno>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>

namespace mtia_bench {

// The sample plugin as built (MTIA_SAMPLE_PLUGIN_PATH); main() points
// MTIA_PLUGIN_PATH at it before anything calls getMTIAHooks().
inline const std::string kSamplePluginPath = MTIA_SAMPLE_PLUGIN_PATH;

// What a hot-hook benchmark calls: the hooks through the host (the sample
// plugin behind getMTIAHooks()), the in-process baseline (in_process_hooks.cpp)
// built three ways: into this executable (InProcess: the ideal), as a shared
// library with the sample plugin's compile options and TLS model (LibSameTLS:
// the baseline of the host's added cost) and as a shared library with the
// default -fPIC options (LibPIC), or the floor of any C-table design
// (makeFunctionTableHooks; getCurrentDevice and getCurrentStream only).
// Benchmarks of one hook are named "<Subject>/<hook>" (bench/report.py).
enum class Subject { Host, InProcess, LibSameTLS, LibPIC, Floor };
inline constexpr int kSubjects = 5;
const char* subjectName(Subject subject) noexcept;

struct Fixture {
  const mtia::MTIAHooksInterface* hooks = nullptr;
  mtia::DeviceIndex devices[2] = {0, 1};
  // Device 0's default stream and a stream created on it.
  mtia::Stream streams[2] = {mtia::Stream(0, mtia::Device(mtia::DeviceType::MTIA, 0)),
                             mtia::Stream(0, mtia::Device(mtia::DeviceType::MTIA, 0))};
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
