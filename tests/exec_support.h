// exec_support.h — shared by the stream-work, event, graph and guard tests:
// the loaded sample plugin, device buffers, and a gate that host functions
// block on (so tests order concurrent work with a condition variable, never
// with sleeps).
#pragma once

#include "test_support.h"

#include <mtia/exec.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace mtia_test {

struct SamplePlugin {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(samplePluginPath());
  mtia::StreamExec exec{hooks};
};

inline mtia::Stream mtiaStream(int64_t id, int device) {
  return mtia::Stream(id, mtia::Device(mtia::DeviceType::MTIA, static_cast<mtia::DeviceIndex>(device)));
}

// Device memory from the plugin, freed at scope exit.
class DeviceBuffer {
 public:
  DeviceBuffer(const mtia::MTIAHooksInterface& hooks, int device, size_t bytes)
      : hooks_(hooks), bytes_(bytes),
        ptr_(static_cast<uint8_t*>(hooks.deviceAlloc(static_cast<mtia::DeviceIndex>(device), bytes))) {}
  ~DeviceBuffer() { free(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  uint8_t* get() const { return ptr_; }
  size_t size() const { return bytes_; }
  void free() {
    if (ptr_ != nullptr) hooks_.deviceFree(ptr_);
    ptr_ = nullptr;
  }
  // The buffer's bytes, copied to the host through `stream` (synchronized).
  std::vector<uint8_t> read(const mtia::StreamExec& exec, const mtia::Stream& stream) const {
    std::vector<uint8_t> host(bytes_);
    exec.memcpy(stream, host.data(), ptr_, bytes_, mtia::MemcpyKind::DeviceToHost);
    exec.synchronize(stream);
    return host;
  }

 private:
  const mtia::MTIAHooksInterface& hooks_;
  size_t bytes_;
  uint8_t* ptr_;
};

// `n` copies of `value`.
inline std::vector<uint8_t> bytes(size_t n, uint8_t value) { return std::vector<uint8_t>(n, value); }

// A one-shot gate. Host functions wait on it; the test opens it. The wait
// gives up after a generous safety limit so that a broken plugin fails the
// test (the host function then reports INTERNAL) instead of hanging it.
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    cv_.notify_all();  // under the lock: a woken waiter cannot destroy the gate before this returns
  }
  bool wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return open_; });
  }
  bool isOpen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return open_;
  }

  // Host functions for launchHostFunc(stream, Gate::waitFn, &gate).
  static mtia_status_t waitFn(void* gate) noexcept {
    return static_cast<Gate*>(gate)->wait() ? MTIA_STATUS_OK : MTIA_STATUS_INTERNAL;
  }
  static mtia_status_t openFn(void* gate) noexcept {
    static_cast<Gate*>(gate)->open();
    return MTIA_STATUS_OK;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// A host function that appends a value to a log; the log is only touched by
// the stream's worker until the test synchronizes.
struct LogEntry {
  std::vector<int>* log;
  int value;
  static mtia_status_t fn(void* self) noexcept {
    auto* e = static_cast<LogEntry*>(self);
    e->log->push_back(e->value);
    return MTIA_STATUS_OK;
  }
};

// A host function that fails with the status it points to.
inline mtia_status_t failWith(void* status) noexcept { return *static_cast<mtia_status_t*>(status); }

}  // namespace mtia_test
