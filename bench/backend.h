// backend.h — the benchmark's backend: the hot hooks' semantics written once,
// in the plugin ABI's shape (its result types and failure values), for the
// baselines and for the benchmark plugin alike:
//   in_process_hooks.cpp  an MTIAHooksInterface over these functions, a
//                         failure thrown as mtia::Error: the in-process
//                         baseline (InProcess in the executable, LibSameTLS
//                         and LibPIC as shared libraries)
//   backend_plugin.cpp    these functions as the slots of a plugin table, a
//                         failure recorded for get_last_error(): the plugin
//                         behind the judged Host/<hook> rows
// Each function takes `fail(failed, code, message)`, which either throws or
// records the failure and returns `failed`, the ABI's failure value; both
// call an out-of-line function, so the success path is the same code in
// both. The semantics are the sample plugin's: a per-thread current device and
// a per-thread current stream per device, device indices range-checked, -1
// meaning the current device where the hook accepts it, a context created by
// setCurrentDevice/exchangeDevice, streams created by createStream.
//
// Include it in one translation unit per binary: its state has internal
// linkage, so each binary (the executable, each library) has its own.
#pragma once

#include <mtia/plugin_abi.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>

namespace mtia_bench {

namespace {

constexpr int32_t kMaxDevices = 64;
constexpr int64_t kMaxStreams = 1024;  // per device, including the default stream 0
constexpr mtia_stream_t kFailedStream{-1, -1, MTIA_DEVICE_TYPE_MTIA};

struct StreamObject {
  int64_t id = 0;
};

struct DeviceState {
  std::atomic<bool> has_context{false};
  std::atomic<int64_t> stream_count{1};  // ids below this exist
  std::mutex create_mutex;
  std::array<StreamObject, kMaxStreams> streams{};
};

// The calling thread's current device and current stream per device: 132
// bytes, like the sample plugin's thread state: small enough that glibc
// serves a dlopened library's TLS-descriptor access from its static surplus
// (512 bytes in all, shared by every library loaded) rather than its dynamic
// path; a bigger state made LibSameTLS 15 instructions slower per access
// than the plugin under -mtls-dialect=gnu2.
struct ThreadState {
  int32_t device = 0;
  std::array<uint16_t, kMaxDevices> stream{};  // ids < kMaxStreams
};
static_assert(kMaxStreams <= 65536, "stream ids fit uint16_t");
thread_local ThreadState t_state;

struct BackendState {
  int32_t device_count = 0;
  std::array<DeviceState, kMaxDevices> devices;
};
BackendState g_backend;

// Not thread-safe: before any other call.
void initBackend(int32_t device_count) noexcept {
  g_backend.device_count = device_count < 0 ? 0 : device_count > kMaxDevices ? kMaxDevices : device_count;
  for (DeviceState& d : g_backend.devices) {
    for (int64_t id = 0; id < kMaxStreams; ++id) d.streams[static_cast<size_t>(id)].id = id;
  }
}

constexpr const char* kBadDevice = "device index out of range";

bool validDevice(int32_t device) noexcept {
  return static_cast<uint32_t>(device) < static_cast<uint32_t>(g_backend.device_count);
}
int32_t resolveDevice(int32_t device) noexcept { return device == -1 ? t_state.device : device; }
void createContext(int32_t device) noexcept {
  std::atomic<bool>& flag = g_backend.devices[static_cast<size_t>(device)].has_context;
  if (!flag.load(std::memory_order_relaxed)) flag.store(true, std::memory_order_relaxed);
}
int32_t exchange(int32_t device) noexcept {
  const int32_t previous = t_state.device;
  t_state.device = device;
  return previous;
}

template <class Fail>
int32_t backendHasPrimaryContext(int32_t device, Fail fail) {
  if (!validDevice(device)) return fail(int32_t{-1}, MTIA_STATUS_INVALID_ARGUMENT, kBadDevice);
  return g_backend.devices[static_cast<size_t>(device)].has_context.load(std::memory_order_relaxed) ? 1 : 0;
}

template <class Fail>
mtia_status_t backendSetCurrentDevice(int32_t device, Fail fail) {
  if (!validDevice(device)) {
    return fail(MTIA_STATUS_INVALID_ARGUMENT, MTIA_STATUS_INVALID_ARGUMENT, kBadDevice);
  }
  createContext(device);
  t_state.device = device;
  return MTIA_STATUS_OK;
}

int32_t backendGetCurrentDevice() noexcept { return t_state.device; }

template <class Fail>
int32_t backendExchangeDevice(int32_t device, Fail fail) {
  if (!validDevice(device)) return fail(int32_t{-1}, MTIA_STATUS_INVALID_ARGUMENT, kBadDevice);
  createContext(device);
  return exchange(device);
}

// A device not yet used stays without a context.
template <class Fail>
int32_t backendMaybeExchangeDevice(int32_t device, Fail fail) {
  if (!validDevice(device)) return fail(int32_t{-1}, MTIA_STATUS_INVALID_ARGUMENT, kBadDevice);
  return exchange(device);
}

template <class Fail>
mtia_stream_t backendGetCurrentStream(int32_t device, Fail fail) {
  const int32_t d = resolveDevice(device);
  if (!validDevice(d)) return fail(kFailedStream, MTIA_STATUS_INVALID_ARGUMENT, kBadDevice);
  return {t_state.stream[static_cast<size_t>(d)], d, MTIA_DEVICE_TYPE_MTIA};
}

// The raw handle: the address of the stream object.
template <class Fail>
int64_t backendGetCurrentRawStream(int32_t device, Fail fail) {
  const int32_t d = resolveDevice(device);
  if (!validDevice(d)) return fail(int64_t{-1}, MTIA_STATUS_INVALID_ARGUMENT, kBadDevice);
  const size_t id = t_state.stream[static_cast<size_t>(d)];
  return reinterpret_cast<intptr_t>(&g_backend.devices[static_cast<size_t>(d)].streams[id]);
}

template <class Fail>
mtia_stream_t backendGetDefaultStream(int32_t device, Fail fail) {
  const int32_t d = resolveDevice(device);
  if (!validDevice(d)) return fail(kFailedStream, MTIA_STATUS_INVALID_ARGUMENT, kBadDevice);
  return {0, d, MTIA_DEVICE_TYPE_MTIA};
}

template <class Fail>
mtia_status_t backendSetCurrentStream(mtia_stream_t s, Fail fail) {
  if (s.device_type != MTIA_DEVICE_TYPE_MTIA || !validDevice(s.device_index)) {
    return fail(MTIA_STATUS_INVALID_ARGUMENT, MTIA_STATUS_INVALID_ARGUMENT, "not a stream of an MTIA device");
  }
  const DeviceState& state = g_backend.devices[static_cast<size_t>(s.device_index)];
  if (s.stream_id < 0 || s.stream_id >= state.stream_count.load(std::memory_order_acquire)) {
    return fail(MTIA_STATUS_INVALID_ARGUMENT, MTIA_STATUS_INVALID_ARGUMENT, "no such stream");
  }
  t_state.stream[static_cast<size_t>(s.device_index)] = static_cast<uint16_t>(s.stream_id);
  return MTIA_STATUS_OK;
}

template <class Fail>
mtia_stream_t backendCreateStream(int32_t device, Fail fail) {
  const int32_t d = resolveDevice(device);
  if (!validDevice(d)) return fail(kFailedStream, MTIA_STATUS_INVALID_ARGUMENT, kBadDevice);
  DeviceState& state = g_backend.devices[static_cast<size_t>(d)];
  std::lock_guard<std::mutex> lock(state.create_mutex);
  const int64_t id = state.stream_count.load(std::memory_order_relaxed);
  if (id >= kMaxStreams) return fail(kFailedStream, MTIA_STATUS_OUT_OF_MEMORY, "too many streams");
  state.stream_count.store(id + 1, std::memory_order_release);
  createContext(d);
  return {id, d, MTIA_DEVICE_TYPE_MTIA};
}

}  // namespace

}  // namespace mtia_bench
