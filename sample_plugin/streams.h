// streams.h — what makes a sample stream execute work: the operations it
// runs, the markers events complete, and the executor (one worker thread per
// stream) that runs them in submission order.
//
// An Executor starts its worker on the first submission, so the 1024 stream
// slots of 64 devices cost nothing until used. While the stream captures into
// a graph, submit() appends to the graph's list instead of the queue.
// docs/streams-and-graphs.md describes the design.
#pragma once

#include <mtia/plugin_abi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mtia_sample {

// One record of an event: completes when the stream's worker reaches it.
class Marker {
 public:
  using Clock = std::chrono::steady_clock;

  void complete() noexcept;
  bool done() const noexcept;
  // Blocks until done, or until *abandon becomes true (may be NULL).
  void wait(const std::atomic<bool>* abandon = nullptr) const noexcept;
  // Wakes a wait() so that it re-reads *abandon.
  void wake() const noexcept;
  // When complete() ran; meaningful once done().
  Clock::time_point completedAt() const noexcept;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  bool done_ = false;
  Clock::time_point when_{};
};

struct Op;
using OpList = std::vector<Op>;

// One unit of stream work. Plain data except the two shared pointers, which
// keep an event record or an instantiated graph alive while work refers to it.
struct Op {
  enum class Kind : uint8_t { Memset, Memcpy, HostFunc, Record, Wait, Graph };

  Kind kind = Kind::HostFunc;
  mtia_memcpy_kind_t copy_kind = 0;
  int32_t value = 0;
  void* dst = nullptr;
  const void* src = nullptr;
  size_t size = 0;
  mtia_host_fn_t fn = nullptr;
  void* user_data = nullptr;
  std::shared_ptr<Marker> marker;      // Record, Wait
  std::shared_ptr<const OpList> graph;  // Graph: the instantiated work
};

// Throws Failure(INVALID_ARGUMENT) unless [ptr, ptr + size) lies in one live
// device allocation of `device`; `what` names the pointer in the message
// ("memset destination").
void checkDeviceRange(const void* ptr, size_t size, int32_t device, const char* what);
// Throws Failure(INVALID_ARGUMENT) unless the op's arguments are valid for a
// stream of `device` (the checks made at submission and again when it runs).
void checkOp(const Op& op, int32_t device);

class Executor {
 public:
  Executor(int32_t device, int64_t stream) noexcept : device_(device), stream_(stream) {}
  ~Executor();  // stop() + join()
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues the op, or records it while capturing. Events (Record, Wait) are
  // refused while capturing: Failure(NOT_SUPPORTED).
  void submit(Op op);

  // True when all submitted work has run.
  bool idle() const noexcept;
  // Waits for the work submitted before the call; throws the first failure
  // of this stream's work since the last synchronize (and forgets it).
  void synchronize();
  // Two halves of synchronize for deviceSynchronize: what to wait for, then
  // waiting; takeError returns "" when there was none (code in *code).
  uint64_t submitted() const noexcept;
  void waitFor(uint64_t target) const noexcept;
  std::string takeError(mtia_status_t* code);

  // Graph capture: while `ops` is set, submitted work is appended to it.
  // beginCapture throws Failure(INVALID_STATE) when already capturing.
  void beginCapture(int64_t graph, OpList* ops);
  void endCapture() noexcept;

  // Drops queued work that has not started, wakes a blocked wait and tells
  // the worker to exit; join() waits for it. Used by shutdown.
  void stop() noexcept;
  void join() noexcept;

  // "stream 3 of device 0"
  std::string name() const;

 private:
  void run() noexcept;
  void execute(const Op& op) noexcept;
  void executeOne(const Op& op);
  void fail(mtia_status_t code, const std::string& message) noexcept;

  const int32_t device_;
  const int64_t stream_;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;           // worker: queue not empty, or stop
  mutable std::condition_variable done_cv_;   // synchronizers: `completed_` moved
  std::deque<Op> queue_;
  uint64_t submitted_ = 0;                    // ops accepted into the queue
  uint64_t completed_ = 0;                    // ops that have run (or were dropped)
  mutable int waiters_ = 0;                   // threads inside waitFor()
  const Marker* blocked_on_ = nullptr;        // the marker a Wait op blocks on
  int64_t capture_graph_ = -1;
  OpList* capture_ops_ = nullptr;
  mtia_status_t error_code_ = MTIA_STATUS_OK;  // first failure since synchronize
  std::string error_;
  uint64_t more_errors_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread worker_;
};

}  // namespace mtia_sample

namespace mtia_sample {

// The "mtia.exec/1" table (exec.cpp; static, valid for the plugin's lifetime).
const mtia_exec_ext_v1_t* execExtension() noexcept;

}  // namespace mtia_sample
