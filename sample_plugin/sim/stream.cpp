// sim/stream.cpp — streams (one worker thread each, started by the first
// submission, running the work in order), stream work, and events.
#include "driver.h"

#include <chrono>
#include <cstring>
#include <future>

namespace sim {

// A record of an event: ready, with the time, once its stream has reached it.
using Record = std::shared_future<std::chrono::steady_clock::time_point>;
struct Event {
  explicit Event(bool timing_) : timing(timing_) {}
  const bool timing;
  std::mutex mutex;
  std::optional<Record> latest;  // none until recorded
};

static void checkRange(const void* ptr, size_t size, bool on_device, int32_t device, const char* what) {
  if (ptr == nullptr) throw Error(Err::BadValue, std::string(what) + " is NULL");
  int32_t owner = device;
  if (on_device && !findDeviceRange(ptr, size, &owner)) {
    throw Error(Err::BadValue, str(what, " (", size, " bytes) is not inside one live device allocation"));
  }
  if (owner != device) {
    throw Error(Err::BadValue,
                str(what, " is memory of device ", owner, ", but the stream is on device ", device));
  }
}

static void submitChecked(Stream& s, const char* name, std::function<void()> check,
                          std::function<void()> work) {
  check();
  s.submit({name, [check, work] {
              check();
              work();
            }});
}

static std::optional<Record> latest(const std::shared_ptr<Event>& e) {
  std::lock_guard<std::mutex> lock(e->mutex);
  return e->latest;
}

static bool isDone(const Record& r, std::chrono::milliseconds wait = {}) {
  return r.wait_for(wait) == std::future_status::ready;
}

Stream::~Stream() {
  stop();
  if (worker_.joinable()) worker_.join();
}

void Stream::submit(Op op, bool event_op) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (capture_ != nullptr && event_op) {
    throw Error(Err::Unsupported, str(name(), " is capturing into graph ", capture_graph_,
                                      ": events cannot be recorded or waited on during capture"));
  }
  if (capture_ != nullptr) return capture_->push_back(std::move(op));
  if (stopping) throw Error(Err::Down, name() + " is shut down");
  if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
  queue_.push_back(std::move(op));
  ++submitted_;
  work_cv_.notify_one();
}

bool Stream::idle() {
  std::lock_guard<std::mutex> lock(mutex_);
  return completed_ == submitted_;
}

void Stream::waitForSubmitted() {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t target = submitted_;
  done_cv_.wait(lock, [&] { return completed_ >= target; });
}

std::optional<Error> Stream::takeError() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(error_, std::nullopt);
}

void Stream::synchronize() {
  waitForSubmitted();
  if (std::optional<Error> error = takeError()) throw *error;
}

void Stream::capture(int64_t graph, OpList* ops) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (ops != nullptr && capture_ != nullptr) {
    throw Error(Err::BadState, str(name(), " is already capturing into graph ", capture_graph_));
  }
  capture_graph_ = graph;
  capture_ = ops;
}

void Stream::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopping = true;
  completed_ += queue_.size();
  queue_.clear();
  work_cv_.notify_all();
  done_cv_.notify_all();
}

void Stream::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_cv_.wait(lock, [&] { return !queue_.empty() || stopping; });
    if (stopping) return;  // stop() dropped the rest of the queue
    std::optional<Op> op(std::move(queue_.front()));
    queue_.pop_front();
    lock.unlock();
    std::optional<Error> failure;
    try {
      op->run();
    } catch (const Error& e) {
      failure = e;
    } catch (const std::exception& e) {
      failure = Error(Err::BadState, e.what());
    }
    const char* what = op->name;
    op.reset();  // what the op keeps alive goes outside the lock
    lock.lock();
    if (failure && !error_) {  // a later failure before the next synchronize is dropped
      error_ = Error(failure->code, str("queued ", what, " on ", name(), " failed: ", failure->what()),
                     failure->detail);
    }
    ++completed_;
    done_cv_.notify_all();
  }
}

void memsetAsync(Stream& s, void* dst, int32_t value, size_t size) {
  if (value < 0 || value > 255) {
    throw Error(Err::BadValue, str("memset value ", value, " is not a byte value (0..255)"));
  }
  submitChecked(s, "memset", [=, d = s.device] { checkRange(dst, size, true, d, "memset destination"); },
                [=] { std::memset(dst, value, size); });
}

void memcpyAsync(Stream& s, void* dst, const void* src, size_t size, Copy kind) {
  submitChecked(s, "memcpy", [=, d = s.device] {
    checkRange(src, size, kind != Copy::HostToDevice, d, "memcpy source");
    checkRange(dst, size, kind != Copy::DeviceToHost, d, "memcpy destination");
  }, [=] { std::memmove(dst, src, size); });
}

void hostFuncAsync(Stream& s, std::function<int32_t()> fn) {
  s.submit({"host function", [fn] {
              if (const int32_t status = fn(); status != 0) {
                throw Error(Err::HostFunc, str("it returned status ", status), status);
              }
            }});
}

int64_t createEvent(bool timing) { return rt().events.add(std::make_shared<Event>(timing)); }
void destroyEvent(int64_t event) { rt().events.remove(event); }

void recordEvent(int64_t event, Stream& s) {
  const std::shared_ptr<Event> e = rt().events.find(event);
  auto done = std::make_shared<std::promise<std::chrono::steady_clock::time_point>>();
  Record record = done->get_future().share();
  s.submit({"event record", [done] { done->set_value(std::chrono::steady_clock::now()); }}, true);
  std::lock_guard<std::mutex> lock(e->mutex);
  e->latest = std::move(record);
}

void waitEvent(Stream& s, int64_t event) {
  const std::optional<Record> r = latest(rt().events.find(event));
  if (!r) return;  // never recorded: nothing to wait for
  s.submit({"event wait", [r, &s] {  // polls for shutdown, which drops the record
              while (!s.stopping && !isDone(*r, std::chrono::milliseconds(10))) {}
            }}, true);
}

bool queryEvent(int64_t event) {
  const std::optional<Record> r = latest(rt().events.find(event));
  return !r || isDone(*r);
}

void synchronizeEvent(int64_t event) {
  if (const std::optional<Record> r = latest(rt().events.find(event))) r->wait();
}

int64_t elapsedNs(int64_t start, int64_t end) {
  const auto completed = [](int64_t event) {
    const std::string name = str("event ", event);
    const std::shared_ptr<Event> e = rt().events.find(event);
    if (!e->timing) {
      throw Error(Err::BadValue, name + " was created without MTIA_EVENT_TIMING: it keeps no time");
    }
    const std::optional<Record> r = latest(e);
    if (!r) throw Error(Err::BadState, name + " has not been recorded");
    if (!isDone(*r)) throw Error(Err::BadState, name + " has not completed yet: synchronize it first");
    return r->get();
  };
  const auto from = completed(start);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(completed(end) - from).count();
}

}  // namespace sim
