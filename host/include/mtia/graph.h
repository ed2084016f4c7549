// mtia/graph.h — MTIAGraph: an RAII MTIA graph, like PyTorch's CUDAGraph.
//
//   mtia::MTIAGraph graph;              // keep_graph = false
//   graph.capture_begin();              // on the current stream: work is recorded
//   exec.memset(stream, ptr, 1, 64);    // ...not run
//   graph.capture_end();                // keep_graph = false: instantiated here
//   graph.replay();                     // runs the recorded work on the current stream
//
// With keep_graph = true, capture_end keeps the captured graph and
// instantiate() must be called before replay(). Misuse (replay before
// instantiate, capture twice, ...) throws PluginError with the plugin's reason.
// A graph belongs to the load of the plugin it was created under: after
// PluginLoader::unload() its methods throw PluginError(UNAVAILABLE) naming
// the unload and its destructor does nothing, even after a new load.
#pragma once

#include <mtia/hooks.h>
#include <mtia/types.h>

#include <cstdint>
#include <memory>
#include <optional>

namespace mtia {

class MTIA_HOST_API MTIAGraph {
 public:
  explicit MTIAGraph(bool keep_graph = false, const MTIAHooksInterface& hooks = getMTIAHooks());
  // Ends a capture still in progress (on its own stream), then destroys the
  // graph. Never throws: failures are logged.
  ~MTIAGraph();
  MTIAGraph(MTIAGraph&& other) noexcept;
  MTIAGraph& operator=(MTIAGraph&& other) noexcept;
  MTIAGraph(const MTIAGraph&) = delete;
  MTIAGraph& operator=(const MTIAGraph&) = delete;

  // Captures the work submitted to the current stream; pool {0,0} asks the
  // plugin for a private pool.
  void capture_begin(MempoolId_t pool = {0, 0});
  void capture_end();
  void instantiate();
  // Enqueues the recorded work on the current stream of the capture's device.
  void replay();
  // Frees the captured work; the graph may be captured again.
  void reset();
  // The pool the capture used.
  MempoolId_t pool() const;
  int64_t handle() const noexcept { return handle_; }

 private:
  void release() noexcept;
  // Throws PluginError(UNAVAILABLE) for `hook` once the graph's load is over.
  void requireLoad(const char* hook) const;
  const MTIAHooksInterface* hooks_;
  std::shared_ptr<const detail::Binding> load_;  // nullptr for hooks outside the host
  int64_t handle_ = -1;                      // -1: moved from
  std::optional<Stream> capture_stream_;     // set while capturing
};

}  // namespace mtia
