// graph.cpp — the graph group: capture, instantiate, replay. The driver keeps the
// state machine (sim/graph.cpp); a graph crosses the ABI as an int64 handle.
#include "binding.h"

namespace sample {

static mtia_mempool_id_t toAbi(sim::PoolId pool) noexcept { return {pool.first, pool.second}; }

void addGraphSlots(mtia_plugin_api_t& t) noexcept {
  t.graph_create = [](bool keep_graph, int64_t* out_handle) noexcept {
    return slot([&] { out(out_handle, "out_handle") = sim::createGraph(keep_graph); });
  };
  t.graph_capture_begin = [](int64_t handle, mtia_mempool_id_t pool) noexcept {
    return slot([&] { sim::beginCapture(handle, {pool.first, pool.second}); });
  };
  t.graph_destroy = [](int64_t h) noexcept { return slot([&] { sim::destroyGraph(h); }); };
  t.graph_capture_end = [](int64_t h) noexcept { return slot([&] { sim::endCapture(h); }); };
  t.graph_instantiate = [](int64_t h) noexcept { return slot([&] { sim::instantiateGraph(h); }); };
  t.graph_replay = [](int64_t h) noexcept { return slot([&] { sim::replayGraph(h); }); };
  t.graph_reset = [](int64_t h) noexcept { return slot([&] { sim::resetGraph(h); }); };
  t.graph_pool = [](int64_t handle, mtia_mempool_id_t* out_pool) noexcept {
    return slot([&] { out(out_pool, "out_pool") = toAbi(sim::graphPool(handle)); });
  };
#if MTIA_PLUGIN_ABI_MINOR >= 1  // built against a 1.0 header, the plugin is a 1.0 plugin
  t.graph_pool_handle = [](mtia_mempool_id_t* out_pool) noexcept {
    return slot([&] { out(out_pool, "out_pool") = toAbi(sim::newPool()); });
  };
#endif
}

}  // namespace sample
