// bench_opencl.cpp — the host's overhead on the OpenCL plugin's async
// submits: the same call through the host (mtia::StreamExec) and straight
// through the plugin's "mtia.exec/1" table (dlsym on the loaded plugin):
//   OpenCL/memset_64B/host      StreamExec::memset, 64 bytes
//   OpenCL/memset_64B/direct    mtia_exec_ext_v1_t::memset_async, same bytes
//   OpenCL/memcpy_h2d_64B/host  StreamExec::memcpy host-to-device, 64 bytes
//   OpenCL/memcpy_h2d_64B/direct
// Every 256 submits both variants synchronize the stream (inside the timing),
// so the queue stays short. Run: POCL_DEVICES=pthread build/bench/mtia_bench_opencl
#include <mtia/exec.h>
#include <mtia/loader.h>

#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>

namespace {

constexpr size_t kBytes = 64;
constexpr int kSyncEvery = 256;

struct Setup {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(MTIA_OPENCL_PLUGIN_PATH);
  mtia::StreamExec exec{hooks};
  mtia::Stream stream = hooks.createStream(0);
  uint8_t* device = static_cast<uint8_t*>(hooks.deviceAlloc(0, kBytes));
  uint8_t host[kBytes] = {};
  const mtia_exec_ext_v1_t* direct = nullptr;
  mtia_stream_t c_stream{stream.id(), 0, MTIA_DEVICE_TYPE_MTIA};

  Setup() {
    // The plugin the loader holds: RTLD_NOLOAD finds it without loading it again.
    void* library = dlopen(MTIA_OPENCL_PLUGIN_PATH, RTLD_NOW | RTLD_NOLOAD);
    if (library == nullptr) throw std::runtime_error("the OpenCL plugin is not loaded");
    const auto entry =
        reinterpret_cast<mtia_plugin_get_api_fn>(dlsym(library, MTIA_PLUGIN_ENTRY_SYMBOL));
    mtia_host_services_t services{};
    services.struct_size = sizeof(services);
    services.abi_major = MTIA_PLUGIN_ABI_MAJOR;
    services.abi_minor = MTIA_PLUGIN_ABI_MINOR;
    const mtia_plugin_api_t* table = nullptr;
    if (entry == nullptr || entry(&services, &table, nullptr) != MTIA_STATUS_OK) {
      throw std::runtime_error("mtia_plugin_get_api failed");
    }
    direct = static_cast<const mtia_exec_ext_v1_t*>(table->get_extension(MTIA_EXT_EXEC_V1));
    dlclose(library);  // drops only the reference RTLD_NOLOAD took
  }
};

Setup& setup() {
  static Setup* s = new Setup;  // the plugin stays loaded for the process
  return *s;
}

template <class Submit>
void run(benchmark::State& state, Submit submit) {
  Setup& s = setup();
  int n = 0;
  for (auto _ : state) {
    submit(s);
    if (++n == kSyncEvery) {
      s.exec.synchronize(s.stream);
      n = 0;
    }
  }
  s.exec.synchronize(s.stream);
  state.SetItemsProcessed(state.iterations());
}

void memsetHost(benchmark::State& state) {
  run(state, [](Setup& s) { s.exec.memset(s.stream, s.device, 1, kBytes); });
}
void memsetDirect(benchmark::State& state) {
  run(state, [](Setup& s) {
    if (s.direct->memset_async(s.c_stream, s.device, 1, kBytes) != MTIA_STATUS_OK) std::abort();
  });
}
void memcpyHost(benchmark::State& state) {
  run(state, [](Setup& s) {
    s.exec.memcpy(s.stream, s.device, s.host, kBytes, mtia::MemcpyKind::HostToDevice);
  });
}
void memcpyDirect(benchmark::State& state) {
  run(state, [](Setup& s) {
    if (s.direct->memcpy_async(s.c_stream, s.device, s.host, kBytes, MTIA_MEMCPY_HOST_TO_DEVICE) !=
        MTIA_STATUS_OK) {
      std::abort();
    }
  });
}

}  // namespace

BENCHMARK(memsetHost)->Name("OpenCL/memset_64B/host");
BENCHMARK(memsetDirect)->Name("OpenCL/memset_64B/direct");
BENCHMARK(memcpyHost)->Name("OpenCL/memcpy_h2d_64B/host");
BENCHMARK(memcpyDirect)->Name("OpenCL/memcpy_h2d_64B/direct");
