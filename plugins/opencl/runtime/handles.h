// handles.h — a thread-safe table from int64 handles (1, 2, ...) to objects
// (events, graphs). A lookup returns a shared_ptr, so an object outlives its
// handle while a call still uses it.
#pragma once

#include <mtia/plugin_support.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace mtia_ocl {

template <class T>
class Handles {
 public:
  explicit Handles(const char* kind) noexcept : kind_(kind) {}  // "graph 7 does not exist"

  int64_t add(std::shared_ptr<T> object) {
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t handle = next_++;
    objects_.emplace(handle, std::move(object));
    return handle;
  }
  std::shared_ptr<T> find(int64_t handle) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = objects_.find(handle);
    if (it == objects_.end()) throw notFound(handle);
    return it->second;
  }
  void remove(int64_t handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (objects_.erase(handle) == 0) throw notFound(handle);
  }
  void clear() noexcept {
    std::unordered_map<int64_t, std::shared_ptr<T>> doomed;
    std::lock_guard<std::mutex> lock(mutex_);
    doomed.swap(objects_);
    next_ = 1;
  }
  mtia::plugin::Failure notFound(int64_t handle) const {
    return mtia::plugin::Failure(MTIA_STATUS_NOT_FOUND,
                                 std::string(kind_) + " " + std::to_string(handle) + " does not exist");
  }

 private:
  const char* kind_;
  mutable std::mutex mutex_;
  std::unordered_map<int64_t, std::shared_ptr<T>> objects_;
  int64_t next_ = 1;
};

}  // namespace mtia_ocl
