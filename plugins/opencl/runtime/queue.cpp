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
  {
    std::unique_lock<std::mutex> lock(callbacks_mutex_);
    callbacks_done_.wait(lock, [&] { return callbacks_ == 0; });
  }
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
  enqueue(op);
  clCheck(clFlush(queue_), "clFlush");
}

void Queue::enqueue(const Op& op) {
  switch (op.kind) {
    case Op::Kind::Fill:
      clCheck(clEnqueueFillBuffer(queue_, op.dst.get(), &op.value, 1, op.dst_offset, op.size, 0,
                                  nullptr, nullptr),
              "clEnqueueFillBuffer");
      return;
    case Op::Kind::Write:
      clCheck(clEnqueueWriteBuffer(queue_, op.dst.get(), CL_FALSE, op.dst_offset, op.size,
                                   op.host_src, 0, nullptr, nullptr),
              "clEnqueueWriteBuffer");
      return;
    case Op::Kind::Read:
      clCheck(clEnqueueReadBuffer(queue_, op.src.get(), CL_FALSE, op.src_offset, op.size,
                                  op.host_dst, 0, nullptr, nullptr),
              "clEnqueueReadBuffer");
      return;
    case Op::Kind::Copy:
      clCheck(clEnqueueCopyBuffer(queue_, op.src.get(), op.dst.get(), op.src_offset,
                                  op.dst_offset, op.size, 0, nullptr, nullptr),
              "clEnqueueCopyBuffer");
      return;
    case Op::Kind::HostFunc:
      enqueueHostFunc(op);
      return;
    case Op::Kind::Graph:
      for (const Op& inner : *op.graph) enqueue(inner);
      return;
  }
}

// A host function is a marker (complete when the work before it has run)
// whose completion callback calls fn and then completes a user event that a
// barrier right behind the marker waits for: the stream's later work runs
// after fn has returned.
void Queue::enqueueHostFunc(const Op& op) {
  cl_int rc = CL_SUCCESS;
  cl_event gate = clCreateUserEvent(context_, &rc);
  clCheck(rc, "clCreateUserEvent");
  cl_event marker = nullptr;
  rc = clEnqueueMarkerWithWaitList(queue_, 0, nullptr, &marker);
  if (rc != CL_SUCCESS) {
    clReleaseEvent(gate);
    clCheck(rc, "clEnqueueMarkerWithWaitList");
  }
  rc = clEnqueueBarrierWithWaitList(queue_, 1, &gate, nullptr);
  if (rc != CL_SUCCESS) {  // nothing waits for the gate: the marker may run fn or not
    clSetUserEventStatus(gate, CL_COMPLETE);
    clReleaseEvent(gate);
    clReleaseEvent(marker);
    clCheck(rc, "clEnqueueBarrierWithWaitList");
  }
  auto* call = new HostCall{this, op.fn, op.user_data, gate};
  {
    std::lock_guard<std::mutex> lock(callbacks_mutex_);
    ++callbacks_;
  }
  rc = clSetEventCallback(marker, CL_COMPLETE, &Queue::runHostFunc, call);
  clReleaseEvent(marker);
  if (rc != CL_SUCCESS) {
    clSetUserEventStatus(gate, CL_COMPLETE);
    clReleaseEvent(gate);
    delete call;
    hostFuncDone();
    clCheck(rc, "clSetEventCallback");
  }
}

void CL_CALLBACK Queue::runHostFunc(cl_event, cl_int status, void* data) noexcept {
  auto* call = static_cast<HostCall*>(data);
  Queue* queue = call->queue;
  try {
    if (status < 0) {
      queue->fail(MTIA_STATUS_INTERNAL, "queued host function on " + queue->name() +
                                            " did not run: the work before it failed with " +
                                            clErrorName(status));
    } else if (const mtia_status_t rc = call->fn(call->user_data); rc != MTIA_STATUS_OK) {
      queue->fail(rc, "queued host function on " + queue->name() +
                          " failed: it returned status " + std::to_string(rc));
    }
  } catch (...) {  // the message could not be built
    queue->fail(MTIA_STATUS_OUT_OF_MEMORY, std::string());
  }
  clSetUserEventStatus(call->gate, CL_COMPLETE);
  clReleaseEvent(call->gate);
  delete call;
  queue->hostFuncDone();
}

void Queue::hostFuncDone() noexcept {
  std::lock_guard<std::mutex> lock(callbacks_mutex_);
  if (--callbacks_ == 0) callbacks_done_.notify_all();
}

void Queue::refuseWhileCapturing(const char* what) const {
  if (capture_ops_ != nullptr) {
    throw Failure(MTIA_STATUS_NOT_SUPPORTED,
                  name() + " is capturing into graph " + std::to_string(capture_graph_) + ": " +
                      what + " cannot be done during capture");
  }
}

cl_event Queue::marker(const char* what) {
  std::lock_guard<std::mutex> lock(mutex_);
  refuseWhileCapturing(what);
  cl_event event = nullptr;
  clCheck(clEnqueueMarkerWithWaitList(queue_, 0, nullptr, &event), "clEnqueueMarkerWithWaitList");
  const cl_int rc = clFlush(queue_);
  if (rc != CL_SUCCESS) clReleaseEvent(event);
  clCheck(rc, "clFlush");
  return event;
}

void Queue::waitFor(cl_event event, const char* what) {
  std::lock_guard<std::mutex> lock(mutex_);
  refuseWhileCapturing(what);
  clCheck(clEnqueueBarrierWithWaitList(queue_, 1, &event, nullptr), "clEnqueueBarrierWithWaitList");
  clCheck(clFlush(queue_), "clFlush");
}

bool Queue::idle() {
  cl_event event = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    clCheck(clEnqueueMarkerWithWaitList(queue_, 0, nullptr, &event),
            "clEnqueueMarkerWithWaitList");
  }
  cl_int status = CL_QUEUED;
  const cl_int rc = clFlush(queue_);
  const cl_int info = clGetEventInfo(event, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(status),
                                     &status, nullptr);
  clReleaseEvent(event);
  clCheck(rc, "clFlush");
  clCheck(info, "clGetEventInfo");
  return status == CL_COMPLETE || status < 0;
}

void Queue::synchronize() {
  clCheck(clFinish(queue_), "clFinish");
  std::lock_guard<std::mutex> lock(error_mutex_);
  if (error_code_ == MTIA_STATUS_OK) return;
  const mtia_status_t code = std::exchange(error_code_, MTIA_STATUS_OK);
  const std::string message = std::move(error_);
  error_.clear();
  throw Failure(code, message);
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
  if (error_code_ != MTIA_STATUS_OK) return;  // keep the first
  error_code_ = code;
  error_ = std::move(message);
}

}  // namespace mtia_ocl
