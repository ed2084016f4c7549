// graph.cpp — the graph group's slots (the state machine is in graph.h).
#include "runtime.h"

#include <string>
#include <utility>

namespace mtia_sample {

namespace {

using mtia::plugin::guard;
using State = SampleGraph::State;

// A graph and the lock on its state; Failure(NOT_FOUND) for an unknown or
// destroyed handle.
struct LockedGraph {
  explicit LockedGraph(int64_t h)
      : handle(h), graph(runtime().graphs.graphs.find(h)), lock(graph->mutex) {
    if (graph->destroyed) throw runtime().graphs.graphs.notFound(h);
  }
  SampleGraph* operator->() const noexcept { return graph.get(); }

  // Failure(INVALID_STATE): "graph 3 <problem>".
  [[noreturn]] void misuse(const std::string& problem) const {
    throw Failure(MTIA_STATUS_INVALID_STATE, "graph " + std::to_string(handle) + " " + problem);
  }
  // The usual complaint about a capture in progress: "... before <doing>".
  void refuseWhileCapturing(const char* doing) const {
    if (graph->state == State::Capturing) {
      misuse(std::string("is capturing: end the capture before ") + doing);
    }
  }

  const int64_t handle;
  const std::shared_ptr<SampleGraph> graph;
  std::unique_lock<std::mutex> lock;
};

// The calling thread's current stream on `device`.
SampleStream& currentStream(int32_t device) {
  Runtime& rt = runtime();
  rt.checkDevice(device);
  return rt.lookupStream(
      {threadState().stream[static_cast<size_t>(device)], device, MTIA_DEVICE_TYPE_MTIA});
}

mtia_status_t graph_create(bool keep_graph, int64_t* out_handle) noexcept {
  return guard([&] {
    if (out_handle == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_handle is NULL");
    *out_handle = runtime().graphs.graphs.add(std::make_shared<SampleGraph>(keep_graph));
  });
}

mtia_status_t graph_destroy(int64_t handle) noexcept {
  return guard([&] {
    {
      LockedGraph g(handle);
      g.refuseWhileCapturing("destroying it");
      g->destroyed = true;
    }
    runtime().graphs.graphs.remove(handle);
  });
}

// A pool id never handed out before: {n, 0}, n = 1, 2, ...
mtia_mempool_id_t freshPool() noexcept {
  return {runtime().graphs.next_private_pool.fetch_add(1, std::memory_order_relaxed), 0};
}

mtia_status_t graph_capture_begin(int64_t handle, mtia_mempool_id_t pool) noexcept {
  return guard([&] {
    LockedGraph g(handle);
    if (g->state == State::Capturing) g.misuse("is already capturing");
    if (g->state != State::Empty) g.misuse("already holds a capture: reset it before capturing again");
    SampleStream& stream = currentStream(threadState().device);
    stream.exec.beginCapture(handle, &g->captured);  // throws if the stream is capturing
    g->stream = &stream;
    g->state = State::Capturing;
    if (pool.first == 0 && pool.second == 0) pool = freshPool();
    g->pool = pool;
  });
}

mtia_status_t graph_capture_end(int64_t handle) noexcept {
  return guard([&] {
    LockedGraph g(handle);
    if (g->state != State::Capturing) g.misuse("is not capturing: call capture_begin first");
    SampleStream& current = currentStream(g->stream->device);
    if (&current != g->stream) {
      g.misuse("is capturing on " + g->stream->exec.name() + ", but the current stream is " +
               current.exec.name() + ": end the capture on the stream it began on");
    }
    g->stream->exec.endCapture();
    if (g->keep_graph) {
      g->state = State::Captured;
    } else {
      g->exec = std::make_shared<const OpList>(std::move(g->captured));
      g->captured.clear();
      g->state = State::Instantiated;
    }
  });
}

mtia_status_t graph_instantiate(int64_t handle) noexcept {
  return guard([&] {
    LockedGraph g(handle);
    g.refuseWhileCapturing("instantiating it");
    if (g->state == State::Empty) g.misuse("has not been captured: there is nothing to instantiate");
    if (!g->keep_graph) {
      g.misuse("was created with keep_graph=false: capture_end already instantiated it");
    }
    g->exec = std::make_shared<const OpList>(g->captured);
    g->state = State::Instantiated;
  });
}

mtia_status_t graph_replay(int64_t handle) noexcept {
  return guard([&] {
    LockedGraph g(handle);
    switch (g->state) {
      case State::Empty: g.misuse("has not been captured: capture and instantiate it before replaying");
      case State::Capturing: g.misuse("is capturing: end the capture and instantiate it before replaying");
      case State::Captured: g.misuse("is not instantiated: call instantiate before replaying");
      case State::Instantiated: break;
    }
    Op op;
    op.kind = Op::Kind::Graph;
    op.graph = g->exec;
    currentStream(g->stream->device).exec.submit(std::move(op));
  });
}

mtia_status_t graph_reset(int64_t handle) noexcept {
  return guard([&] {
    LockedGraph g(handle);
    g.refuseWhileCapturing("resetting it");
    g->state = State::Empty;
    g->stream = nullptr;
    g->captured.clear();
    g->exec.reset();
    g->pool.reset();
  });
}

mtia_status_t graph_pool(int64_t handle, mtia_mempool_id_t* out_pool) noexcept {
  return guard([&] {
    if (out_pool == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_pool is NULL");
    LockedGraph g(handle);
    if (!g->pool) g.misuse("has no pool: it has not been captured since it was created or reset");
    *out_pool = *g->pool;
  });
}

#ifndef MTIA_SAMPLE_ABI_1_0  // ABI 1.1
mtia_status_t graph_pool_handle(mtia_mempool_id_t* out_pool) noexcept {
  return guard([&] {
    if (out_pool == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_pool is NULL");
    *out_pool = freshPool();
  });
}
#endif

}  // namespace

void fillGraphSlots(mtia_plugin_api_t& table) noexcept {
  table.graph_create = &graph_create;
  table.graph_destroy = &graph_destroy;
  table.graph_capture_begin = &graph_capture_begin;
  table.graph_capture_end = &graph_capture_end;
  table.graph_instantiate = &graph_instantiate;
  table.graph_replay = &graph_replay;
  table.graph_reset = &graph_reset;
  table.graph_pool = &graph_pool;
#ifndef MTIA_SAMPLE_ABI_1_0
  table.graph_pool_handle = &graph_pool_handle;
#endif
}

}  // namespace mtia_sample
