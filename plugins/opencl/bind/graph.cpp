// graph.cpp — the graph group. Capture records the ops submitted to the
// capturing stream (resolved to buffers, runtime/queue.h) instead of
// enqueuing them; instantiate freezes the list; replay re-enqueues it on the
// calling thread's current stream, in order with that stream's other work.
//
// States: Empty --capture_begin--> Capturing --capture_end--> Captured
// --instantiate--> Instantiated. keep_graph=false instantiates at
// capture_end. reset goes back to Empty from any state but Capturing.
#include "../runtime/handles.h"
#include "bind.h"

#include <atomic>
#include <optional>

namespace mtia_ocl {

namespace {

struct Graph {
  enum class State { Empty, Capturing, Captured, Instantiated };
  explicit Graph(bool keep) noexcept : keep_graph(keep) {}
  const bool keep_graph;
  std::mutex mutex;  // guards everything below
  State state = State::Empty;
  bool destroyed = false;
  Queue* stream = nullptr;  // the capture's stream
  OpList captured;
  std::shared_ptr<const OpList> exec;
  std::optional<mtia_mempool_id_t> pool;
};
using State = Graph::State;

Handles<Graph> g_graphs{"graph"};
std::atomic<uint64_t> g_next_pool{1};

struct LockedGraph {
  explicit LockedGraph(int64_t h) : handle(h), graph(find(h)), lock(graph->mutex) {
    if (graph->destroyed) throw g_graphs.notFound(h);
  }
  static std::shared_ptr<Graph> find(int64_t h) {
    runtime();
    return g_graphs.find(h);
  }
  Graph* operator->() const noexcept { return graph.get(); }
  [[noreturn]] void misuse(const std::string& problem) const {
    throw Failure(MTIA_STATUS_INVALID_STATE, "graph " + std::to_string(handle) + " " + problem);
  }
  void refuseWhileCapturing(const char* doing) const {
    if (graph->state == State::Capturing) {
      misuse(std::string("is capturing: end the capture before ") + doing);
    }
  }
  const int64_t handle;
  const std::shared_ptr<Graph> graph;
  std::unique_lock<std::mutex> lock;
};

mtia_mempool_id_t freshPool() noexcept { return {g_next_pool.fetch_add(1), 0}; }

mtia_status_t graph_create(bool keep_graph, int64_t* out_handle) noexcept {
  return guard([&] {
    if (out_handle == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_handle is NULL");
    runtime();
    *out_handle = g_graphs.add(std::make_shared<Graph>(keep_graph));
  });
}

mtia_status_t graph_destroy(int64_t handle) noexcept {
  return guard([&] {
    {
      LockedGraph g(handle);
      g.refuseWhileCapturing("destroying it");
      g->destroyed = true;
    }
    g_graphs.remove(handle);  // queued replays hold their own references to the work
  });
}

mtia_status_t graph_capture_begin(int64_t handle, mtia_mempool_id_t pool) noexcept {
  return guard([&] {
    LockedGraph g(handle);
    if (g->state == State::Capturing) g.misuse("is already capturing");
    if (g->state != State::Empty) g.misuse("already holds a capture: reset it before capturing again");
    const int32_t device = resolveDevice(-1);
    Queue& stream = currentStream(device);
    stream.beginCapture(handle, &g->captured);
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
    Queue& current = currentStream(g->stream->device());
    if (&current != g->stream) {
      g.misuse("is capturing on " + g->stream->name() + ", but the current stream is " +
               current.name() + ": end the capture on the stream it began on");
    }
    g->stream->endCapture();
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
    if (!g->keep_graph) g.misuse("was created with keep_graph=false: capture_end already instantiated it");
    g->exec = std::make_shared<const OpList>(g->captured);
    g->state = State::Instantiated;
  });
}

mtia_status_t graph_replay(int64_t handle) noexcept {
  return guard([&] {
    LockedGraph g(handle);
    if (g->state != State::Instantiated) {
      g.misuse("is not instantiated: capture and instantiate it before replaying");
    }
    Op op;
    op.kind = Op::Kind::Graph;
    op.graph = g->exec;
    currentStream(g->stream->device()).submit(std::move(op));
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

mtia_status_t graph_pool_handle(mtia_mempool_id_t* out_pool) noexcept {
  return guard([&] {
    if (out_pool == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_pool is NULL");
    runtime();
    *out_pool = freshPool();
  });
}

}  // namespace

void clearGraphs() noexcept {
  g_graphs.clear();
  g_next_pool.store(1);
}

void fillGraphSlots(mtia_plugin_api_t& t) noexcept {
  t.graph_create = &graph_create;
  t.graph_destroy = &graph_destroy;
  t.graph_capture_begin = &graph_capture_begin;
  t.graph_capture_end = &graph_capture_end;
  t.graph_instantiate = &graph_instantiate;
  t.graph_replay = &graph_replay;
  t.graph_reset = &graph_reset;
  t.graph_pool = &graph_pool;
  t.graph_pool_handle = &graph_pool_handle;
}

}  // namespace mtia_ocl
