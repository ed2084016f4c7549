// bench_json.cpp — the hooks that return JSON, through the host and as the
// least any caller of the plugin must do:
//   Host/<hook>    getMTIAHooks().<hook>(0): the slot writes into the host's
//                  sink, the host parses (checked: size, UTF-8, depth,
//                  duplicate keys) and validates the schema
//   Plugin/<hook>  the same slot of an initialised private copy of the
//                  plugin through its table, into a std::string, and a plain
//                  nlohmann::json::parse of that string
// Target (bench/report.py): the host at most 1.5x the plain path.
#include "bench_support.h"

#include <mtia/plugin_abi.h>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <dlfcn.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace mtia_bench {

namespace {

using mtia::MTIAHooksInterface;

// The table of an initialised private copy of the sample plugin (left loaded).
const mtia_plugin_api_t& copyTable() {
  static const PluginCopy copy;
  static const mtia_host_services_t services = benchHostServices();
  static const mtia_plugin_api_t* table = [] {
    const mtia_plugin_api_t* t = nullptr;
    void* handle = dlopen(copy.path().c_str(), RTLD_NOW | RTLD_LOCAL);
    auto entry = reinterpret_cast<mtia_plugin_get_api_fn>(
        handle != nullptr ? dlsym(handle, MTIA_PLUGIN_ENTRY_SYMBOL) : nullptr);
    if (entry == nullptr || entry(&services, &t, nullptr) != MTIA_STATUS_OK ||
        t->initialize() != MTIA_STATUS_OK) {
      throw std::runtime_error("cannot load and initialise a copy of the sample plugin");
    }
    return t;
  }();
  return *table;
}

void append(void* user_data, const char* data, size_t size) {
  static_cast<std::string*>(user_data)->append(data, size);
}

// `slot(table, sink)` is one call of the plugin's slot.
template <class Slot>
void plainPath(benchmark::State& state, Slot slot) {
  runGuarded(state, [&] {
    const mtia_plugin_api_t& table = copyTable();
    for (auto _ : state) {
      std::string text;
      const mtia_sink_t sink{&text, &append};
      if (slot(table, &sink) != MTIA_STATUS_OK) throw std::runtime_error("the slot failed");
      benchmark::DoNotOptimize(nlohmann::json::parse(text));
    }
  });
}

template <class Hook>
void hostPath(benchmark::State& state, Hook hook) {
  runGuarded(state, [&] {
    const MTIAHooksInterface& hooks = mtia::getMTIAHooks();
    for (auto _ : state) benchmark::DoNotOptimize(hook(hooks));
  });
}

template <class Hook, class Slot>
void registerJsonHook(const std::string& name, Hook hook, Slot slot) {
  benchmark::RegisterBenchmark(("Host/" + name).c_str(),
                               [hook](benchmark::State& state) { hostPath(state, hook); });
  benchmark::RegisterBenchmark(("Plugin/" + name).c_str(),
                               [slot](benchmark::State& state) { plainPath(state, slot); });
}

const bool registered = [] {
  registerJsonHook("memoryStats", [](const MTIAHooksInterface& h) { return h.memoryStats(0); },
                   [](const mtia_plugin_api_t& t, const mtia_sink_t* out) { return t.memory_stats(0, out); });
  registerJsonHook("memorySnapshot",
                   [](const MTIAHooksInterface& h) { return h.memorySnapshot(std::nullopt); },
                   [](const mtia_plugin_api_t& t, const mtia_sink_t* out) { return t.memory_snapshot(nullptr, out); });
  registerJsonHook("getDeviceProperties",
                   [](const MTIAHooksInterface& h) { return h.getDeviceProperties(0); },
                   [](const mtia_plugin_api_t& t, const mtia_sink_t* out) { return t.get_device_properties(0, out); });
  registerJsonHook("getDeviceCapability",
                   [](const MTIAHooksInterface& h) { return h.getDeviceCapability(0); },
                   [](const mtia_plugin_api_t& t, const mtia_sink_t* out) { return t.get_device_capability(0, out); });
  return true;
}();

}  // namespace

}  // namespace mtia_bench
