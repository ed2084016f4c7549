// binding.h — what the binding's files share: each slot checks its arguments, calls the
// driver (sim/driver.h, in place of a vendor's runtime) and reports failures through slot().
#pragma once

#include "sim/driver.h"

#include <mtia/plugin_abi.h>
#include <mtia/plugin_support.hpp>

namespace sample {

using mtia::plugin::Failure;
using mtia::plugin::write_to;
using sim::str;

inline constexpr const char* kPluginName = "mtia-sample";
inline constexpr const char* kPluginVersion = "0.1.0";

inline mtia_status_t statusOf(const sim::Error& e) noexcept {
  switch (e.code) {
    case sim::Err::BadValue: return MTIA_STATUS_INVALID_ARGUMENT;
    case sim::Err::NoMemory: return MTIA_STATUS_OUT_OF_MEMORY;
    case sim::Err::Unsupported: return MTIA_STATUS_NOT_SUPPORTED;
    case sim::Err::BadState: return MTIA_STATUS_INVALID_STATE;
    case sim::Err::NotFound: return MTIA_STATUS_NOT_FOUND;
    case sim::Err::Down: return MTIA_STATUS_UNAVAILABLE;
    case sim::Err::HostFunc: return e.detail;  // what the host function returned
  }
  return MTIA_STATUS_INTERNAL;
}

template <class Fn>
auto translated(Fn& fn) {  // a driver error becomes plugin_support's Failure
  try {
    return fn();
  } catch (const sim::Error& e) {
    throw Failure(statusOf(e), e.what());
  }
}

// slot(): MTIA_STATUS_OK, or the failure's code with its message kept for get_last_error();
// value(): fn()'s value, or `on_error`. Nothing is thrown past them (plugin_support's guard).
template <class Fn>
mtia_status_t slot(Fn&& fn) noexcept { return mtia::plugin::guard([&] { translated(fn); }); }
template <class T, class Fn>
T value(T on_error, Fn&& fn) noexcept {
  return mtia::plugin::guard_value<T>(on_error, [&] { return translated(fn); });
}

template <class T>
T& out(T* p, const char* name) {
  if (p == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, str(name, " is NULL"));
  return *p;
}

inline int32_t resolve(int32_t device) {  // -1 means the calling thread's current device
  device = device == -1 ? sim::thread().device : device;
  sim::checkDevice(device);
  return device;
}

inline sim::Stream& findStream(mtia_stream_t stream) {
  if (stream.device_type != MTIA_DEVICE_TYPE_MTIA) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT, str("stream device type ", stream.device_type,
                                                    " is not MTIA (", MTIA_DEVICE_TYPE_MTIA, ")"));
  }
  return sim::findStream(stream.device_index, stream.stream_id);
}

// Each group's file fills its slots of the table, each extension's file its
// own table. A slot is a lambda that captures nothing, so it converts to the
// table's plain function pointer; `noexcept` says that nothing escapes it.
void addDeviceSlots(mtia_plugin_api_t& t) noexcept;
void addStreamSlots(mtia_plugin_api_t& t) noexcept;
void addMemorySlots(mtia_plugin_api_t& t) noexcept;
void addGraphSlots(mtia_plugin_api_t& t) noexcept;
mtia_streams_ext_v1_t makeStreamsExt() noexcept;
mtia_exec_ext_v1_t makeExecExt() noexcept;
mtia_events_ext_v1_t makeEventsExt() noexcept;

}  // namespace sample
