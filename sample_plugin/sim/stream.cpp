// sim/stream.cpp — streams (one worker thread each, started by the first
// submission, running work in order), their work, and events.
#include "internal.h"

#include <cstring>

namespace sim {

void Marker::complete() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
    when = std::chrono::steady_clock::now();
  }
  cv.notify_all();
}

bool Marker::isDone() {
  std::lock_guard<std::mutex> lock(mutex);
  return done;
}

void Marker::wait(const std::atomic<bool>* abandon) {
  std::unique_lock<std::mutex> lock(mutex);
  while (!cv.wait_for(lock, std::chrono::milliseconds(10), [&] { return done; })) {
    if (abandon != nullptr && abandon->load()) return;  // shutdown: polled, it is rare
  }
}

Stream::~Stream() {
  stop();
  if (worker_.joinable()) worker_.join();
}

std::string Stream::name() const {
  return "stream " + std::to_string(id) + " of device " + std::to_string(device);
}

void Stream::submit(Op op, bool event) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (capture_ != nullptr) {
    if (event) {
      throw Error(Err::Unsupported, name() + " is capturing into graph " +
                                        std::to_string(capture_graph_) +
                                        ": events cannot be recorded or waited on during capture");
    }
    capture_->push_back(std::move(op));
    return;
  }
  if (stopping) throw Error(Err::Down, name() + " is shut down");
  if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
  queue_.push_back(std::move(op));
  ++submitted_;
  lock.unlock();
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
  std::optional<Error> error = std::move(error_);
  error_.reset();
  if (error && more_errors_ > 0) {
    error = Error(error->code, error->what() + (" (and " + std::to_string(more_errors_) +
                  " more failure" + (more_errors_ == 1 ? "" : "s") + " since the last synchronize)"),
                  error->detail);
  }
  more_errors_ = 0;
  return error;
}

void Stream::synchronize() {
  waitForSubmitted();
  if (std::optional<Error> error = takeError()) throw *error;
}

void Stream::beginCapture(int64_t graph, OpList* ops) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (capture_ != nullptr) {
    throw Error(Err::BadState,
                name() + " is already capturing into graph " + std::to_string(capture_graph_));
  }
  capture_graph_ = graph;
  capture_ = ops;
}

void Stream::endCapture() {
  std::lock_guard<std::mutex> lock(mutex_);
  capture_graph_ = -1;
  capture_ = nullptr;
}

void Stream::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping.exchange(true)) return;
    completed_ += queue_.size();
    queue_.clear();
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
}

void Stream::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_cv_.wait(lock, [&] { return !queue_.empty() || stopping; });
    if (stopping) return;  // stop() dropped the rest of the queue
    {
      Op op = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      execute(op);
    }  // the op (and what it keeps alive) goes outside the lock
    lock.lock();
    ++completed_;
    done_cv_.notify_all();
  }
}

void Stream::execute(const Op& op) {
  Error failure(Err::BadState, "");
  try {
    op.run();
    return;
  } catch (const Error& e) {
    failure = e;
  } catch (const std::exception& e) {
    failure = Error(Err::BadState, e.what());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (error_) {
    ++more_errors_;
    return;
  }
  error_ = Error(failure.code, std::string("queued ") + op.name + " on " + name() + " failed: " +
                                   failure.what(), failure.detail);
}

// ---- stream work -------------------------------------------------------------

namespace {

void checkDeviceRange(const void* ptr, size_t size, int32_t device, const char* what) {
  if (ptr == nullptr) throw Error(Err::BadValue, std::string(what) + " is NULL");
  int32_t owner = -1;
  if (!findDeviceRange(ptr, size, &owner)) {
    throw Error(Err::BadValue, std::string(what) + " (" + std::to_string(size) +
                                   " bytes) is not inside one live device allocation");
  }
  if (owner != device) {
    throw Error(Err::BadValue, std::string(what) + " is memory of device " +
                                   std::to_string(owner) + ", but the stream is on device " +
                                   std::to_string(device));
  }
}

// Checks now, and again when the op runs: a graph may replay it after a free.
void submitChecked(Stream& s, const char* name, const std::function<void()>& check,
                   std::function<void()> work) {
  check();
  s.submit({name, [check, work] {
              check();
              work();
            }});
}

}  // namespace

void memsetAsync(Stream& s, void* dst, int32_t value, size_t size) {
  if (value < 0 || value > 255) {
    throw Error(Err::BadValue,
                "memset value " + std::to_string(value) + " is not a byte value (0..255)");
  }
  const int32_t device = s.device;
  submitChecked(s, "memset", [=] { checkDeviceRange(dst, size, device, "memset destination"); },
                [=] { std::memset(dst, value, size); });
}

void memcpyAsync(Stream& s, void* dst, const void* src, size_t size, Copy kind) {
  const int32_t device = s.device;
  submitChecked(s, "memcpy", [=] {
    const auto check = [&](const void* p, bool on_device, const char* what) {
      if (on_device) return checkDeviceRange(p, size, device, what);
      if (p == nullptr) throw Error(Err::BadValue, std::string(what) + " is NULL");
    };
    check(src, kind != Copy::HostToDevice, "memcpy source");
    check(dst, kind != Copy::DeviceToHost, "memcpy destination");
  }, [=] { std::memmove(dst, src, size); });
}

void hostFuncAsync(Stream& s, std::function<int32_t()> fn) {
  s.submit({"host function", [fn] {
              if (const int32_t status = fn(); status != 0) {
                throw Error(Err::HostFunc, "it returned status " + std::to_string(status), status);
              }
            }});
}

// ---- events --------------------------------------------------------------------

int64_t createEvent(bool timing) { return rt().events.add(std::make_shared<Event>(timing)); }

void destroyEvent(int64_t event) { rt().events.remove(event); }

namespace {

std::shared_ptr<Marker> latest(int64_t event) {
  const std::shared_ptr<Event> e = rt().events.find(event);
  std::lock_guard<std::mutex> lock(e->mutex);
  return e->latest;
}

}  // namespace

void recordEvent(int64_t event, Stream& s) {
  const std::shared_ptr<Event> e = rt().events.find(event);
  auto marker = std::make_shared<Marker>();
  s.submit({"event record", [marker] { marker->complete(); }}, true);
  std::lock_guard<std::mutex> lock(e->mutex);
  e->latest = std::move(marker);
}

void waitEvent(Stream& s, int64_t event) {
  const std::shared_ptr<Marker> marker = latest(event);
  if (marker == nullptr) return;  // never recorded: nothing to wait for
  s.submit({"event wait", [marker, &s] { marker->wait(&s.stopping); }}, true);
}

bool queryEvent(int64_t event) {
  const std::shared_ptr<Marker> marker = latest(event);
  return marker == nullptr || marker->isDone();
}

void synchronizeEvent(int64_t event) {
  if (const std::shared_ptr<Marker> marker = latest(event)) marker->wait();
}

namespace {

std::chrono::steady_clock::time_point completionTime(int64_t event) {
  const std::shared_ptr<Event> e = rt().events.find(event);
  const std::string name = "event " + std::to_string(event);
  if (!e->timing) {
    throw Error(Err::BadValue, name + " was created without MTIA_EVENT_TIMING: it keeps no time");
  }
  const std::shared_ptr<Marker> marker = latest(event);
  if (marker == nullptr) throw Error(Err::BadState, name + " has not been recorded");
  if (!marker->isDone()) {
    throw Error(Err::BadState, name + " has not completed yet: synchronize it first");
  }
  std::lock_guard<std::mutex> lock(marker->mutex);
  return marker->when;
}

}  // namespace

int64_t elapsedNs(int64_t start, int64_t end) {
  const auto from = completionTime(start);
  const auto to = completionTime(end);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

}  // namespace sim
