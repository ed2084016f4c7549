// bench_json.cpp — the hooks that return JSON, through the host and as the
// least any caller of the plugin must do:
//   Host/<hook>    the hooks of a PluginLoader, <hook>(0): the slot writes into the host's
//                  sink, the host parses (checked: size, UTF-8, depth,
//                  duplicate keys) and validates the schema
//   Plugin/<hook>  the same slot of the same loaded plugin (a private copy)
//                  through its table, into a std::string, and a plain
//                  nlohmann::json::parse of that string
// Target (bench/report.py): the host at most 1.5x the plain path.
#include "bench_support.h"
#include "callgrind_rows.h"

#include <mtia/plugin_abi.h>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>

namespace mtia_bench {

namespace {

using mtia::MTIAHooksInterface;

// The host path and the plain path on one private copy (LoadedCopy): both
// read the same driver state, so they serialise the same JSON (the rows'
// json_bytes counter shows it).
const LoadedPlugin& jsonPlugin() {
  static const LoadedCopy copy;
  return copy.plugin;
}

void append(void* user_data, const char* data, size_t size) {
  static_cast<std::string*>(user_data)->append(data, size);
}

// One call of the plain path: `slot(table, sink)` into a string, then a parse.
template <class Slot>
void plainCall(const mtia_plugin_api_t& table, Slot slot) {
  std::string text;
  const mtia_sink_t sink{&text, &append};
  if (slot(table, &sink) != MTIA_STATUS_OK) throw std::runtime_error("the slot failed");
  benchmark::DoNotOptimize(nlohmann::json::parse(text));
}

template <class Slot>
void plainPath(benchmark::State& state, Slot slot) {
  runGuarded(state, [&] {
    const mtia_plugin_api_t& table = *jsonPlugin().table;
    std::string once;
    const mtia_sink_t once_sink{&once, &append};
    slot(table, &once_sink);
    state.counters["json_bytes"] = static_cast<double>(once.size());
    for (auto _ : state) plainCall(table, slot);
  });
}

template <class Hook>
void hostPath(benchmark::State& state, Hook hook) {
  runGuarded(state, [&] {
    const MTIAHooksInterface& hooks = *jsonPlugin().hooks;
    state.counters["json_bytes"] = static_cast<double>(hook(hooks).dump().size());
    for (auto _ : state) benchmark::DoNotOptimize(hook(hooks));
  });
}

// The JSON hooks, once for both users: visit(name, hook, slot).
template <class Visit>
void forEachJsonHook(Visit visit) {
  visit("memoryStats", [](const MTIAHooksInterface& h) { return h.memoryStats(0); },
        [](const mtia_plugin_api_t& t, const mtia_sink_t* out) { return t.memory_stats(0, out); });
  visit("memorySnapshot", [](const MTIAHooksInterface& h) { return h.memorySnapshot(std::nullopt); },
        [](const mtia_plugin_api_t& t, const mtia_sink_t* out) { return t.memory_snapshot(nullptr, out); });
  visit("getDeviceProperties", [](const MTIAHooksInterface& h) { return h.getDeviceProperties(0); },
        [](const mtia_plugin_api_t& t, const mtia_sink_t* out) { return t.get_device_properties(0, out); });
  visit("getDeviceCapability", [](const MTIAHooksInterface& h) { return h.getDeviceCapability(0); },
        [](const mtia_plugin_api_t& t, const mtia_sink_t* out) { return t.get_device_capability(0, out); });
}

const bool registered = [] {
  forEachJsonHook([](const std::string& name, auto hook, auto slot) {
    benchmark::RegisterBenchmark(("Host/" + name).c_str(),
                                 [hook](benchmark::State& state) { hostPath(state, hook); });
    benchmark::RegisterBenchmark(("Plugin/" + name).c_str(),
                                 [slot](benchmark::State& state) { plainPath(state, slot); });
  });
  return true;
}();

}  // namespace

void countJsonInstructions(long iterations) {
  const LoadedPlugin& plugin = jsonPlugin();
  forEachJsonHook([&](const std::string& name, auto hook, auto slot) {
    countLoop("Host/" + name, iterations, [&](long) { benchmark::DoNotOptimize(hook(*plugin.hooks)); });
    countLoop("Plugin/" + name, iterations, [&](long) { plainCall(*plugin.table, slot); });
  });
}

}  // namespace mtia_bench
