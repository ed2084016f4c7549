// sim/graph.cpp — graphs: capture records the work submitted to a stream, instantiate freezes
// it, replay runs it as one op on the current stream (states: docs/streams-and-graphs.md).
#include "driver.h"

namespace sim {

enum class State { Empty, Capturing, Captured, Instantiated };
struct Graph {
  explicit Graph(bool keep) : keep_graph(keep) {}
  const bool keep_graph;
  std::mutex mutex;  // guards everything below
  State state = State::Empty;
  Stream* stream = nullptr;  // the capture's stream
  OpList captured;
  std::shared_ptr<const OpList> exec;  // what replay runs, shared with replays in flight
  std::optional<PoolId> pool;
};

struct Locked {  // a graph with its lock held
  explicit Locked(int64_t h) : handle(h), graph(rt().graphs.find(h)), lock(graph->mutex) {}
  Graph* operator->() const { return graph.get(); }
  [[noreturn]] void misuse(const std::string& problem) const {
    throw Error(Err::BadState, str("graph ", handle, " ", problem));
  }
  void refuseWhileCapturing(const char* doing) const {
    if (graph->state == State::Capturing) misuse(str("is capturing: end the capture before ", doing));
  }
  const int64_t handle;
  const std::shared_ptr<Graph> graph;
  std::unique_lock<std::mutex> lock;
};

int64_t createGraph(bool keep_graph) { return rt().graphs.add(std::make_shared<Graph>(keep_graph)); }

void destroyGraph(int64_t graph) {
  Locked g(graph);
  g.refuseWhileCapturing("destroying it");
  rt().graphs.remove(graph);
}

PoolId newPool() { return {rt().next_pool.fetch_add(1), 0}; }

void beginCapture(int64_t graph, PoolId pool) {
  Locked g(graph);
  if (g->state == State::Capturing) g.misuse("is already capturing");
  if (g->state != State::Empty) g.misuse("already holds a capture: reset it before capturing again");
  Stream& stream = currentStream(thread().device);
  stream.capture(graph, &g->captured);  // throws if the stream is capturing
  g->stream = &stream;
  g->state = State::Capturing;
  g->pool = pool == PoolId{} ? newPool() : pool;
}

void endCapture(int64_t graph) {
  Locked g(graph);
  if (g->state != State::Capturing) g.misuse("is not capturing: call capture_begin first");
  Stream& current = currentStream(g->stream->device);
  if (&current != g->stream) {
    g.misuse(str("is capturing on ", g->stream->name(), ", but the current stream is ", current.name(),
                 ": end the capture on the stream it began on"));
  }
  g->stream->capture(graph, nullptr);
  g->state = State::Captured;
  if (!g->keep_graph) {
    g->exec = std::make_shared<const OpList>(std::exchange(g->captured, {}));
    g->state = State::Instantiated;
  }
}

void instantiateGraph(int64_t graph) {
  Locked g(graph);
  g.refuseWhileCapturing("instantiating it");
  if (g->state == State::Empty) g.misuse("has not been captured: there is nothing to instantiate");
  if (!g->keep_graph) g.misuse("was created with keep_graph=false: capture_end already instantiated it");
  g->exec = std::make_shared<const OpList>(g->captured);
  g->state = State::Instantiated;
}

void replayGraph(int64_t graph) {
  Locked g(graph);
  if (g->state != State::Instantiated) {
    g.misuse("is not instantiated: capture and instantiate it before replaying");
  }
  Stream& stream = currentStream(g->stream->device);
  // One submission for the whole graph; its ops run in order, the first failure ends it.
  stream.submit({"graph replay", [ops = g->exec] {
                   for (const Op& op : *ops) op.run();
                 }});
}

void resetGraph(int64_t graph) {
  Locked g(graph);
  g.refuseWhileCapturing("resetting it");
  g->state = State::Empty;
  g->captured.clear();
  g->exec.reset();
  g->pool.reset();
}

PoolId graphPool(int64_t graph) {
  Locked g(graph);
  if (!g->pool) g.misuse("has no pool: it has not been captured since it was created or reset");
  return *g->pool;
}

}  // namespace sim
