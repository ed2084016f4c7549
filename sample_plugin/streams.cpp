#include "streams.h"

#include "memory.h"
#include "runtime.h"

#include <cstring>
#include <string>
#include <utility>

namespace mtia_sample {

// ---- Marker ---------------------------------------------------------------

void Marker::complete() noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    when_ = Clock::now();
  }
  cv_.notify_all();
}

bool Marker::done() const noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_;
}

void Marker::wait(const std::atomic<bool>* abandon) const noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return done_ || (abandon != nullptr && abandon->load()); });
}

void Marker::wake() const noexcept {
  std::lock_guard<std::mutex> lock(mutex_);  // orders the wake after wait()'s check
  cv_.notify_all();
}

Marker::Clock::time_point Marker::completedAt() const noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  return when_;
}

// ---- argument checks ------------------------------------------------------

void checkDeviceRange(const void* ptr, size_t size, int32_t device, const char* what) {
  if (ptr == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, std::string(what) + " is NULL");
  int32_t owner = -1;
  if (!findDeviceRange(ptr, size, &owner)) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  std::string(what) + " (" + std::to_string(size) +
                      " bytes) is not inside one live device allocation");
  }
  if (owner != device) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  std::string(what) + " is memory of device " + std::to_string(owner) +
                      ", but the stream is on device " + std::to_string(device));
  }
}

namespace {

void checkHostPointer(const void* ptr, const char* what) {
  if (ptr == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, std::string(what) + " is NULL");
}

const char* opName(Op::Kind kind) noexcept {
  switch (kind) {
    case Op::Kind::Memset: return "memset";
    case Op::Kind::Memcpy: return "memcpy";
    case Op::Kind::HostFunc: return "host function";
    case Op::Kind::Record: return "event record";
    case Op::Kind::Wait: return "event wait";
    case Op::Kind::Graph: return "graph replay";
  }
  return "operation";
}

}  // namespace

void checkOp(const Op& op, int32_t device) {
  switch (op.kind) {
    case Op::Kind::Memset:
      if (op.value < 0 || op.value > 255) {
        throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                      "memset value " + std::to_string(op.value) + " is not a byte value (0..255)");
      }
      checkDeviceRange(op.dst, op.size, device, "memset destination");
      return;
    case Op::Kind::Memcpy:
      switch (op.copy_kind) {
        case MTIA_MEMCPY_HOST_TO_DEVICE:
          checkHostPointer(op.src, "memcpy source");
          checkDeviceRange(op.dst, op.size, device, "memcpy destination");
          return;
        case MTIA_MEMCPY_DEVICE_TO_HOST:
          checkDeviceRange(op.src, op.size, device, "memcpy source");
          checkHostPointer(op.dst, "memcpy destination");
          return;
        case MTIA_MEMCPY_DEVICE_TO_DEVICE:
          checkDeviceRange(op.src, op.size, device, "memcpy source");
          checkDeviceRange(op.dst, op.size, device, "memcpy destination");
          return;
        default:
          throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                        "memcpy kind " + std::to_string(op.copy_kind) +
                            " is not MTIA_MEMCPY_HOST_TO_DEVICE (1), MTIA_MEMCPY_DEVICE_TO_HOST "
                            "(2) or MTIA_MEMCPY_DEVICE_TO_DEVICE (3)");
      }
    case Op::Kind::HostFunc:
      if (op.fn == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "host function is NULL");
      return;
    case Op::Kind::Record:
    case Op::Kind::Wait:
    case Op::Kind::Graph:
      return;  // built by the plugin itself
  }
}

// ---- Executor -------------------------------------------------------------

Executor::~Executor() {
  stop();
  join();
}

std::string Executor::name() const {
  return "stream " + std::to_string(stream_) + " of device " + std::to_string(device_);
}

void Executor::submit(Op op) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (capture_ops_ != nullptr) {
    if (op.kind == Op::Kind::Record || op.kind == Op::Kind::Wait) {
      throw Failure(MTIA_STATUS_NOT_SUPPORTED,
                    name() + " is capturing into graph " + std::to_string(capture_graph_) +
                        ": events cannot be recorded or waited on during capture");
    }
    capture_ops_->push_back(std::move(op));
    return;
  }
  if (stopping_.load(std::memory_order_relaxed)) {
    throw Failure(MTIA_STATUS_UNAVAILABLE, name() + " is shut down");
  }
  if (!worker_.joinable()) worker_ = std::thread(&Executor::run, this);
  queue_.push_back(std::move(op));
  ++submitted_;
  lock.unlock();
  work_cv_.notify_one();
}

bool Executor::idle() const noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  return completed_ == submitted_;
}

uint64_t Executor::submitted() const noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  return submitted_;
}

void Executor::waitFor(uint64_t target) const noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  ++waiters_;
  done_cv_.wait(lock, [&] { return completed_ >= target; });
  --waiters_;
}

std::string Executor::takeError(mtia_status_t* code) {
  std::lock_guard<std::mutex> lock(mutex_);
  *code = error_code_;
  if (error_code_ == MTIA_STATUS_OK) return {};
  std::string message = std::move(error_);
  if (more_errors_ > 0) {
    message += " (and " + std::to_string(more_errors_) + " more failure" +
               (more_errors_ == 1 ? "" : "s") + " since the last synchronize)";
  }
  error_code_ = MTIA_STATUS_OK;
  error_.clear();
  more_errors_ = 0;
  return message;
}

void Executor::synchronize() {
  waitFor(submitted());
  mtia_status_t code = MTIA_STATUS_OK;
  std::string message = takeError(&code);
  if (code != MTIA_STATUS_OK) throw Failure(code, message);
}

void Executor::beginCapture(int64_t graph, OpList* ops) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (capture_ops_ != nullptr) {
    throw Failure(MTIA_STATUS_INVALID_STATE,
                  name() + " is already capturing into graph " + std::to_string(capture_graph_));
  }
  capture_graph_ = graph;
  capture_ops_ = ops;
}

void Executor::endCapture() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  capture_graph_ = -1;
  capture_ops_ = nullptr;
}

void Executor::stop() noexcept {
  size_t dropped = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_.exchange(true)) return;
    dropped = queue_.size();
    queue_.clear();
    completed_ += dropped;
    if (blocked_on_ != nullptr) blocked_on_->wake();
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  if (dropped > 0) {
    try {
      log(MTIA_LOG_WARN, "shutdown dropped " + std::to_string(dropped) +
                             " queued operation(s) of " + name() + " that had not started");
    } catch (...) {
    }
  }
}

void Executor::join() noexcept {
  if (worker_.joinable()) worker_.join();
}

void Executor::run() noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_cv_.wait(lock, [&] { return !queue_.empty() || stopping_.load(); });
    if (stopping_.load()) return;  // stop() dropped the rest of the queue
    {
      Op op = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      execute(op);
    }  // releases the op's marker or graph outside the lock
    lock.lock();
    ++completed_;
    if (waiters_ > 0) done_cv_.notify_all();
  }
}

void Executor::execute(const Op& op) noexcept {
  try {
    executeOne(op);
  } catch (const Failure& f) {
    fail(f.code(), std::string("queued ") + opName(op.kind) + " on " + name() +
                       " failed: " + f.what());
  } catch (const std::exception& e) {
    fail(MTIA_STATUS_INTERNAL, std::string("queued ") + opName(op.kind) + " on " + name() +
                                   " failed: " + e.what());
  } catch (...) {
    fail(MTIA_STATUS_INTERNAL, std::string("queued ") + opName(op.kind) + " on " + name() +
                                   " failed with an unknown exception");
  }
}

void Executor::executeOne(const Op& op) {
  switch (op.kind) {
    case Op::Kind::Memset:
      checkOp(op, device_);  // the memory may have been freed since submission
      std::memset(op.dst, op.value, op.size);
      return;
    case Op::Kind::Memcpy:
      checkOp(op, device_);
      std::memmove(op.dst, op.src, op.size);
      return;
    case Op::Kind::HostFunc:
      if (const mtia_status_t status = op.fn(op.user_data); status != MTIA_STATUS_OK) {
        throw Failure(status, "it returned status " + std::to_string(status));
      }
      return;
    case Op::Kind::Record:
      op.marker->complete();
      return;
    case Op::Kind::Wait: {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        blocked_on_ = op.marker.get();
      }
      op.marker->wait(&stopping_);
      std::lock_guard<std::mutex> lock(mutex_);
      blocked_on_ = nullptr;
      return;
    }
    case Op::Kind::Graph:
      for (const Op& child : *op.graph) {
        if (stopping_.load(std::memory_order_relaxed)) return;
        execute(child);
      }
      return;
  }
}

void Executor::fail(mtia_status_t code, const std::string& message) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (error_code_ != MTIA_STATUS_OK) {
    ++more_errors_;
    return;
  }
  try {
    error_ = message;
  } catch (...) {
    error_.clear();
  }
  error_code_ = code;
}

}  // namespace mtia_sample
