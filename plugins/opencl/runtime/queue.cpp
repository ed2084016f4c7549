#include "queue.h"

namespace mtia_ocl {

namespace {

// What a host-function callback needs: the function, and the user event
// that holds back the stream's later work until it has run.
struct HostCall {
  Queue* queue;
  mtia_host_fn_t fn;
  void* user_data;
  cl_event gate;
  cl_int status;  // of the marker
};

}  // namespace

Queue::Queue(cl_context context, cl_device_id device_id, int32_t device, int64_t id,
             int32_t priority)
    : context_(context), device_(device), id_(id), priority_(priority) {
  cl_int rc = CL_SUCCESS;
  // In order (no CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE); profiling gives
  // events their device timestamps.
  queue_ = clCreateCommandQueue(context, device_id, CL_QUEUE_PROFILING_ENABLE, &rc);
  clCheck(rc, "clCreateCommandQueue");
}

Queue::~Queue() {
  clFinish(queue_);
  setLast(nullptr);
  {
    std::unique_lock<std::mutex> lock(callbacks_mutex_);
    callbacks_cv_.wait(lock, [&] { return callbacks_ == 0; });
    stopping_ = true;
  }
  callbacks_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  clReleaseCommandQueue(queue_);
}

std::string Queue::name() const {
  return "stream " + std::to_string(id_) + " of device " + std::to_string(device_);
}

void Queue::submit(Op op) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (capture_ops_ != nullptr) {
    capture_ops_->push_back(std::move(op));
    return;
  }
  enqueue(op, true);
  clCheck(clFlush(queue_), "clFlush");
}

void Queue::setLast(cl_event event) noexcept {
  if (last_ != nullptr) clReleaseEvent(last_);
  last_ = event;
}

void Queue::enqueue(const Op& op, bool last) {
  cl_event done = nullptr;
  cl_event* out = last ? &done : nullptr;
  switch (op.kind) {
    case Op::Kind::Fill:
      clCheck(clEnqueueFillBuffer(queue_, op.dst.get(), &op.value, 1, op.dst_offset, op.size, 0,
                                  nullptr, out),
              "clEnqueueFillBuffer");
      break;
    case Op::Kind::Write:
      clCheck(clEnqueueWriteBuffer(queue_, op.dst.get(), CL_FALSE, op.dst_offset, op.size,
                                   op.host_src, 0, nullptr, out),
              "clEnqueueWriteBuffer");
      break;
    case Op::Kind::Read:
      clCheck(clEnqueueReadBuffer(queue_, op.src.get(), CL_FALSE, op.src_offset, op.size,
                                  op.host_dst, 0, nullptr, out),
              "clEnqueueReadBuffer");
      break;
    case Op::Kind::Copy:
      clCheck(clEnqueueCopyBuffer(queue_, op.src.get(), op.dst.get(), op.src_offset,
                                  op.dst_offset, op.size, 0, nullptr, out),
              "clEnqueueCopyBuffer");
      break;
    case Op::Kind::HostFunc:
      enqueueHostFunc(op, out);
      break;
    case Op::Kind::Graph:
      for (size_t i = 0; i < op.graph->size(); ++i) {
        enqueue((*op.graph)[i], last && i + 1 == op.graph->size());
      }
      return;  // the last inner op set last_
  }
  if (done != nullptr) setLast(done);
}

// A host function is a marker (complete when the work before it has run)
// whose completion callback hands fn to the stream's worker, which calls it
// and then completes a user event that a barrier right behind the marker
// waits for: the stream's later work runs after fn has returned.
void Queue::enqueueHostFunc(const Op& op, cl_event* done) {
  cl_int rc = CL_SUCCESS;
  cl_event gate = clCreateUserEvent(context_, &rc);
  clCheck(rc, "clCreateUserEvent");
  cl_event marker = nullptr;
  rc = clEnqueueMarkerWithWaitList(queue_, 0, nullptr, &marker);
  if (rc != CL_SUCCESS) {
    clReleaseEvent(gate);
    clCheck(rc, "clEnqueueMarkerWithWaitList");
  }
  rc = clEnqueueBarrierWithWaitList(queue_, 1, &gate, done);
  if (rc != CL_SUCCESS) {  // nothing waits for the gate: the marker may run fn or not
    clSetUserEventStatus(gate, CL_COMPLETE);
    clReleaseEvent(gate);
    clReleaseEvent(marker);
    clCheck(rc, "clEnqueueBarrierWithWaitList");
  }
  auto* call = new HostCall{this, op.fn, op.user_data, gate, CL_COMPLETE};
  {
    std::lock_guard<std::mutex> lock(callbacks_mutex_);
    if (!worker_.joinable()) worker_ = std::thread([this] { runHostFuncs(); });
    ++callbacks_;
  }
  rc = clSetEventCallback(marker, CL_COMPLETE, &Queue::hostFuncReady, call);
  clReleaseEvent(marker);
  if (rc != CL_SUCCESS) {
    clSetUserEventStatus(gate, CL_COMPLETE);
    clReleaseEvent(gate);
    delete call;
    hostFuncDone();
    clCheck(rc, "clSetEventCallback");
  }
}

void CL_CALLBACK Queue::hostFuncReady(cl_event, cl_int status, void* data) noexcept {
  auto* call = static_cast<HostCall*>(data);
  call->status = status;
  Queue* queue = call->queue;
  {
    std::lock_guard<std::mutex> lock(queue->callbacks_mutex_);
    try {
      queue->ready_.push_back(call);
    } catch (...) {  // no memory to hand it over: it cannot run
      queue->fail(MTIA_STATUS_OUT_OF_MEMORY, std::string());
      clSetUserEventStatus(call->gate, CL_COMPLETE);
      clReleaseEvent(call->gate);
      delete call;
      if (--queue->callbacks_ == 0) queue->callbacks_cv_.notify_all();
      return;
    }
  }
  queue->callbacks_cv_.notify_all();
}

void Queue::runHostFuncs() noexcept {
  std::unique_lock<std::mutex> lock(callbacks_mutex_);
  for (;;) {
    callbacks_cv_.wait(lock, [&] { return !ready_.empty() || stopping_; });
    if (ready_.empty()) return;  // stopping, and nothing is left
    auto* call = static_cast<HostCall*>(ready_.front());
    ready_.erase(ready_.begin());
    lock.unlock();
    try {
      if (call->status < 0) {
        fail(MTIA_STATUS_INTERNAL, "queued host function on " + name() +
                                       " did not run: the work before it failed with " +
                                       clErrorName(call->status));
      } else if (const mtia_status_t rc = call->fn(call->user_data); rc != MTIA_STATUS_OK) {
        fail(rc, "queued host function on " + name() + " failed: it returned status " +
                     std::to_string(rc));
      }
    } catch (...) {  // the message could not be built
      fail(MTIA_STATUS_OUT_OF_MEMORY, std::string());
    }
    clSetUserEventStatus(call->gate, CL_COMPLETE);
    clReleaseEvent(call->gate);
    delete call;
    lock.lock();
    if (--callbacks_ == 0) callbacks_cv_.notify_all();
  }
}

void Queue::hostFuncDone() noexcept {
  std::lock_guard<std::mutex> lock(callbacks_mutex_);
  if (--callbacks_ == 0) callbacks_cv_.notify_all();
}

void Queue::refuseWhileCapturing() const {
  if (capture_ops_ != nullptr) {
    throw Failure(MTIA_STATUS_NOT_SUPPORTED,
                  name() + " is capturing into graph " + std::to_string(capture_graph_) + ": " +
                      "events cannot be recorded or waited on during capture");
  }
}

cl_event Queue::marker() {
  std::lock_guard<std::mutex> lock(mutex_);
  refuseWhileCapturing();
  cl_event event = nullptr;
  clCheck(clEnqueueMarkerWithWaitList(queue_, 0, nullptr, &event), "clEnqueueMarkerWithWaitList");
  const cl_int rc = clFlush(queue_);
  if (rc != CL_SUCCESS) clReleaseEvent(event);
  clCheck(rc, "clFlush");
  return event;
}

void Queue::waitFor(cl_event event) {
  std::lock_guard<std::mutex> lock(mutex_);
  refuseWhileCapturing();
  clCheck(clEnqueueBarrierWithWaitList(queue_, 1, &event, nullptr), "clEnqueueBarrierWithWaitList");
  clCheck(clFlush(queue_), "clFlush");
}

bool Queue::idle() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (last_ == nullptr) return true;
  cl_int status = CL_QUEUED;
  clCheck(clGetEventInfo(last_, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(status), &status, nullptr),
          "clGetEventInfo");
  if (status != CL_COMPLETE && status >= 0) return false;
  setLast(nullptr);
  return true;
}

void Queue::wait() { clCheck(clFinish(queue_), "clFinish"); }

std::string Queue::takeError(mtia_status_t* code) {
  std::lock_guard<std::mutex> lock(error_mutex_);
  *code = std::exchange(error_code_, MTIA_STATUS_OK);
  if (*code == MTIA_STATUS_OK) return {};
  std::string message = std::move(error_);
  error_.clear();
  if (more_errors_ > 0) {
    message += " (and " + std::to_string(more_errors_) + " more failure" +
               (more_errors_ == 1 ? "" : "s") + " since the last synchronize)";
  }
  more_errors_ = 0;
  return message;
}

void Queue::synchronize() {
  wait();
  mtia_status_t code = MTIA_STATUS_OK;
  std::string message = takeError(&code);
  if (code != MTIA_STATUS_OK) throw Failure(code, message);
}

void Queue::beginCapture(int64_t graph, OpList* ops) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (capture_ops_ != nullptr) {
    throw Failure(MTIA_STATUS_INVALID_STATE,
                  name() + " is already capturing into graph " + std::to_string(capture_graph_));
  }
  capture_graph_ = graph;
  capture_ops_ = ops;
}

void Queue::endCapture() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  capture_graph_ = -1;
  capture_ops_ = nullptr;
}

void Queue::fail(mtia_status_t code, std::string message) noexcept {
  std::lock_guard<std::mutex> lock(error_mutex_);
  if (error_code_ != MTIA_STATUS_OK) {  // keep the first, count the others
    ++more_errors_;
    return;
  }
  error_code_ = code;
  error_ = std::move(message);
}

}  // namespace mtia_ocl
