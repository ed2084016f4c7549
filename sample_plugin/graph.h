// graph.h — MTIA graphs of the sample plugin: capture records the work
// submitted to a stream; instantiate freezes it into an immutable list that
// replay enqueues as a single operation (see streams.h).
//
// States: Empty --capture_begin--> Capturing --capture_end--> Captured
// --instantiate--> Instantiated (replayable). With keep_graph=false,
// capture_end instantiates at once and drops the captured list. reset goes
// back to Empty from any state but Capturing.
#pragma once

#include "handles.h"
#include "streams.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace mtia_sample {

struct SampleStream;

struct SampleGraph {
  enum class State { Empty, Capturing, Captured, Instantiated };

  explicit SampleGraph(bool keep) noexcept : keep_graph(keep) {}

  const bool keep_graph;
  std::mutex mutex;  // guards everything below
  State state = State::Empty;
  bool destroyed = false;               // the handle is being removed
  SampleStream* stream = nullptr;       // the capture's stream (Capturing and later)
  OpList captured;                      // appended by `stream` while Capturing
  std::shared_ptr<const OpList> exec;   // Instantiated
  std::optional<mtia_mempool_id_t> pool;  // from capture_begin until reset
};

struct GraphTable {
  Handles<SampleGraph> graphs{"graph"};
  std::atomic<uint64_t> next_private_pool{1};  // {0,0} asks for {next, 0}
};

// Puts the graph group's slots into the plugin's table.
void fillGraphSlots(mtia_plugin_api_t& table) noexcept;

}  // namespace mtia_sample
