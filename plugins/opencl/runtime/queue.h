// queue.h — a stream: one in-order OpenCL command queue, the work recorded
// while it captures into a graph, and the first error its asynchronous work
// raised since the last synchronize.
#pragma once

#include "cl_check.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mtia_ocl {

// A counted reference to a cl_mem (clRetainMemObject / clReleaseMemObject):
// queued and captured work keeps the buffer alive after device_free.
class MemRef {
 public:
  MemRef() noexcept = default;
  explicit MemRef(cl_mem adopted) noexcept : mem_(adopted) {}  // takes over one reference
  MemRef(const MemRef& other) noexcept : mem_(other.mem_) { if (mem_) clRetainMemObject(mem_); }
  MemRef(MemRef&& other) noexcept : mem_(std::exchange(other.mem_, nullptr)) {}
  MemRef& operator=(MemRef other) noexcept {
    std::swap(mem_, other.mem_);
    return *this;
  }
  ~MemRef() { if (mem_) clReleaseMemObject(mem_); }
  cl_mem get() const noexcept { return mem_; }

 private:
  cl_mem mem_ = nullptr;
};

// One unit of stream work, resolved to OpenCL objects at submission.
struct Op {
  enum class Kind { Fill, Write, Read, Copy, HostFunc, Graph };
  Kind kind = Kind::Fill;
  MemRef dst, src;  // device sides
  size_t dst_offset = 0, src_offset = 0, size = 0;
  cl_uchar value = 0;                   // Fill
  void* host_dst = nullptr;             // Read
  const void* host_src = nullptr;       // Write
  mtia_host_fn_t fn = nullptr;          // HostFunc
  void* user_data = nullptr;
  std::shared_ptr<const std::vector<Op>> graph;  // Graph: an instantiated graph's work
};
using OpList = std::vector<Op>;

class Queue {
 public:
  Queue(cl_context context, cl_device_id device_id, int32_t device, int64_t id, int32_t priority);
  ~Queue();  // waits for the queued work, then releases the queue
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  int32_t device() const noexcept { return device_; }
  int64_t id() const noexcept { return id_; }
  int32_t priority() const noexcept { return priority_; }
  cl_command_queue get() const noexcept { return queue_; }
  // "stream 3 of device 0"
  std::string name() const;

  // Enqueues the op, or appends it to the capture in progress.
  void submit(Op op);
  // Enqueues a marker; returns its event (the caller owns one reference).
  cl_event marker();
  // Work submitted later waits for `event`.
  void waitFor(cl_event event);
  // True when all work submitted before the call has completed.
  bool idle();
  // Waits for the work submitted before the call; throws the first error it
  // raised since the last synchronize (and forgets it).
  void synchronize();
  // synchronize() in two steps: wait, then take the error (code OK: none).
  void wait();
  std::string takeError(mtia_status_t* code);

  void beginCapture(int64_t graph, OpList* ops);
  void endCapture() noexcept;

  // Keeps the first failure of asynchronous work until synchronize().
  void fail(mtia_status_t code, std::string message) noexcept;

 private:
  void enqueue(const Op& op, bool last);  // with mutex_ held; last: keep its event
  void enqueueHostFunc(const Op& op, cl_event* done);
  void setLast(cl_event event) noexcept;  // with mutex_ held
  void refuseWhileCapturing() const;  // with mutex_ held
  static void CL_CALLBACK hostFuncReady(cl_event event, cl_int status, void* call) noexcept;
  void runHostFuncs() noexcept;  // the host-function worker
  void hostFuncDone() noexcept;

  cl_context context_;
  cl_command_queue queue_ = nullptr;
  const int32_t device_;
  const int64_t id_;
  const int32_t priority_;

  std::mutex mutex_;  // orders submissions; guards the capture
  int64_t capture_graph_ = -1;
  OpList* capture_ops_ = nullptr;
  // A callback may run inside an enqueue call (with mutex_ held), so the
  // error has a lock of its own.
  std::mutex error_mutex_;
  mtia_status_t error_code_ = MTIA_STATUS_OK;
  std::string error_;
  size_t more_errors_ = 0;
  cl_event last_ = nullptr;  // the latest command's event (guarded by mutex_)

  // Host functions run on a worker of this stream (started by the first
  // one): OpenCL's callback thread only hands them over, so a host function
  // that blocks holds back its own stream and no other.
  std::mutex callbacks_mutex_;  // guards everything below
  std::condition_variable callbacks_cv_;
  int64_t callbacks_ = 0;  // host functions enqueued and not yet finished
  std::vector<void*> ready_;  // HostCalls whose marker has completed
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace mtia_ocl
