#include "sink.h"

namespace mtia::detail {

void StringSink::fail(Problem problem, std::size_t size) noexcept {
  if (problem_ != Problem::None) return;
  problem_ = problem;
  problem_size_ = size;
}

void StringSink::write(void* self, const char* data, std::size_t size) noexcept {
  auto* s = static_cast<StringSink*>(self);
  if (s == nullptr) return;
  if (s->busy_.exchange(true, std::memory_order_acquire)) {
    s->concurrent_.store(true, std::memory_order_relaxed);  // the other writer owns the rest
    return;
  }
  if (s->problem_ != Problem::None) {
    // Keep the first problem; store nothing more.
  } else if (data == nullptr && size != 0) {
    s->fail(Problem::NullData, size);
  } else if (size > s->cap_ - s->text_.size()) {  // cannot overflow: size() <= cap_
    s->fail(Problem::OverCap, size);
  } else {
    try {
      s->text_.append(data, size);
    } catch (...) {
      s->fail(Problem::OutOfMemory, size);
    }
  }
  s->busy_.store(false, std::memory_order_release);
}

std::string StringSink::problem() const {
  if (concurrent_.load(std::memory_order_relaxed)) {
    return "the plugin called the sink's write() from two threads at once";
  }
  switch (problem_) {
    case Problem::None: return "";
    case Problem::NullData:
      return "the plugin called the sink's write() with NULL data and size " +
             std::to_string(problem_size_);
    case Problem::OverCap:
      return "the plugin wrote more than the " + std::to_string(cap_) + "-byte cap on " + what_;
    case Problem::OutOfMemory:
      return std::string("the host ran out of memory storing the plugin's ") + what_;
  }
  return "";
}

}  // namespace mtia::detail
