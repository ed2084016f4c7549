// support.h — what the checks share: the context a check runs in, the
// exceptions that make a verdict, and small tools (device buffers, host
// functions that gate or count stream work, bounded waits).
#pragma once

#include "suite.h"

#include <mtia/errors.h>
#include <mtia/exec.h>
#include <mtia/plugin_abi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace mtia_conformance {

using Hooks = mtia::MTIAHooksInterface;
using mtia::DeviceIndex;
using mtia::MempoolId_t;
using mtia::Stream;

// A behaviour that did not hold (FAIL); the text says what was expected and seen.
struct Violation : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The check cannot run against this plugin (SKIP); the text says why.
struct NotApplicable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void expect(bool condition, const std::string& what) {
  if (!condition) throw Violation(what);
}

// What a check sees. step() names what the check is about to wait for: the
// watchdog reports it when the check does not finish in time.
class Context {
 public:
  Context(const Hooks& h, const mtia::PluginInfo& i, int n) : hooks(h), info(i), devices(n) {}
  const Hooks& hooks;
  const mtia::PluginInfo& info;
  const int devices;

  void step(std::string what);
  std::string currentStep() const;

 private:
  mutable std::mutex mutex_;
  std::string step_ = "the check to start";
};

DeviceIndex dev(int d);
std::string str(int64_t value);
std::string str(const Stream& s);
std::string str(const MempoolId_t& p);

// Device memory owned by a check: freed (errors ignored) at scope exit.
class DeviceBuffer {
 public:
  DeviceBuffer(const Hooks& hooks, int device, size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  char* get() const { return static_cast<char*>(ptr_); }
  void release();  // frees now

 private:
  const Hooks& hooks_;
  void* ptr_;
};

// A host function's state: counts its runs, waits while closed, returns
// `status`. Probes are never freed (a plugin may run one after its check has
// ended), and a closed probe is opened when its Probe handle goes away.
struct ProbeState {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = true;
  std::atomic<int> runs{0};
  std::atomic<int32_t> status{MTIA_STATUS_OK};
};

class Probe {
 public:
  explicit Probe(bool closed = false, int32_t status = MTIA_STATUS_OK);
  ~Probe();  // opens
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  static mtia_status_t run(void* state) noexcept;  // the mtia_host_fn_t
  void* arg() const { return state_; }
  void enqueue(const mtia::StreamExec& exec, const Stream& s) const;
  void open() const;
  int runs() const { return state_->runs.load(); }

 private:
  ProbeState* state_;
};

// Opens `gate` from another thread after `ms` milliseconds; joined at scope exit.
class DelayedOpen {
 public:
  DelayedOpen(const Probe& gate, int ms);
  ~DelayedOpen();
  DelayedOpen(const DelayedOpen&) = delete;
  DelayedOpen& operator=(const DelayedOpen&) = delete;

 private:
  std::thread thread_;
};

// Host memory that stream work reads or writes. Never freed: a plugin whose
// synchronize returns early may still touch it after the check has ended.
class HostBuffer {
 public:
  explicit HostBuffer(size_t bytes, unsigned char fill = 0xEE);
  unsigned char* data() const { return data_; }
  size_t size() const { return size_; }
  std::vector<unsigned char> bytes() const { return {data_, data_ + size_}; }

 private:
  unsigned char* data_;
  size_t size_;
};

// Polls `done` until it holds or `seconds` pass; returns whether it held.
template <class Pred>
bool waitUntil(Pred&& done, double seconds = 2.0) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Runs fn on a fresh thread, joins it and rethrows what it threw.
template <class Fn>
void onOtherThread(Fn&& fn) {
  std::exception_ptr error;
  std::thread([&] {
    try {
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
}

// The code of the mtia::PluginError fn throws; "no error" when it succeeds.
template <class Fn>
std::string failureCode(Fn&& fn) {
  try {
    fn();
  } catch (const mtia::PluginError& e) {
    return mtia::statusName(e.code());
  }
  return "no error";
}

// memoryStats(d)["dram"]; dram(d, key) one integer of it (Violation if absent).
nlohmann::json dramStats(const Hooks& hooks, int d);
int64_t dramStat(const nlohmann::json& dram, const char* key);

// Bytes of a host buffer, compared with what is expected: "" or the first
// difference ("byte 17 is 0x00, expected 0xab").
std::string firstDifference(const std::vector<unsigned char>& got,
                            const std::vector<unsigned char>& expected);

// Synchronizes with step() naming what is waited for.
void synchronize(Context& ctx, const mtia::StreamExec& exec, const Stream& s);

// The checks, by group (checks_<group>.cpp).
std::vector<Check> deviceChecks();
std::vector<Check> streamChecks();
std::vector<Check> execChecks();
std::vector<Check> eventChecks();
std::vector<Check> memoryChecks();
std::vector<Check> graphChecks();
std::vector<Check> threadChecks();

}  // namespace mtia_conformance
