// adapter_exec.cpp — the adapter's side of StreamExec and Event: calls
// through the host's copies of the "mtia.exec/1", "mtia.streams/1" and
// "mtia.events/1" tables, named after the wrapper's method.
#include "adapter.h"

#include <string>

namespace mtia::detail {

namespace {

mtia_stream_t toC(const Stream& s) noexcept {
  return {s.id(), s.device_index(), static_cast<mtia_device_type_t>(s.device_type())};
}

}  // namespace

void PluginHooks::requireExtension(const char* hook, const char* id) const {
  const std::string which(id);
  const size_t size = which == MTIA_EXT_EXEC_V1      ? exec_ext_.struct_size
                      : which == MTIA_EXT_STREAMS_V1 ? streams_ext_.struct_size
                      : which == MTIA_EXT_EVENTS_V1  ? events_ext_.struct_size
                                                     : 0;
  if (size == 0) {
    raise(hook, MTIA_STATUS_NOT_SUPPORTED,
          "the plugin does not provide the '" + which + "' extension");
  }
}

void PluginHooks::absentExtensionSlot(const char* hook, const char* id, const char* slot,
                                      size_t struct_size, size_t offset) const {
  if (struct_size == 0) {
    raise(hook, MTIA_STATUS_NOT_SUPPORTED,
          std::string("the plugin does not provide the '") + id + "' extension");
  }
  if (struct_size < offset + sizeof(void (*)())) {
    raise(hook, MTIA_STATUS_NOT_SUPPORTED,
          std::string("the plugin's '") + id +
              "' table is from an older version of the extension: "
              "its struct_size " +
              std::to_string(struct_size) + " ends before slot '" + slot + "' (bytes " +
              std::to_string(offset) + "-" + std::to_string(offset + sizeof(void (*)())) + ")");
  }
  raise(hook, MTIA_STATUS_NOT_SUPPORTED,
        std::string("the plugin's '") + id + "' table leaves slot '" + slot + "' NULL");
}

// ---- stream work ------------------------------------------------------------

void PluginHooks::memsetAsync(const Stream& stream, void* dst, int value, size_t bytes) const {
  constexpr const char* hook = "StreamExec::memset";
  check(hook, MTIA_EXT_SLOT(hook, exec_ext_, MTIA_EXT_EXEC_V1, memset_async), toC(stream), dst,
        value, bytes);
}

void PluginHooks::memcpyAsync(const Stream& stream, void* dst, const void* src, size_t bytes,
                              int32_t kind) const {
  constexpr const char* hook = "StreamExec::memcpy";
  check(hook, MTIA_EXT_SLOT(hook, exec_ext_, MTIA_EXT_EXEC_V1, memcpy_async), toC(stream), dst, src,
        bytes, kind);
}

void PluginHooks::launchHostFunc(const Stream& stream, mtia_host_fn_t fn, void* user_data) const {
  constexpr const char* hook = "StreamExec::launchHostFunc";
  check(hook, MTIA_EXT_SLOT(hook, exec_ext_, MTIA_EXT_EXEC_V1, launch_host_func), toC(stream), fn,
        user_data);
}

bool PluginHooks::streamQuery(const Stream& stream) const {
  constexpr const char* hook = "StreamExec::query";
  bool idle = false;
  check(hook, MTIA_EXT_SLOT(hook, streams_ext_, MTIA_EXT_STREAMS_V1, stream_query), toC(stream),
        &idle);
  return idle;
}

void PluginHooks::streamSynchronize(const Stream& stream) const {
  constexpr const char* hook = "StreamExec::synchronize";
  check(hook, MTIA_EXT_SLOT(hook, streams_ext_, MTIA_EXT_STREAMS_V1, stream_synchronize),
        toC(stream));
}

// ---- events -----------------------------------------------------------------

int64_t PluginHooks::eventCreate(bool enable_timing) const {
  constexpr const char* hook = "Event";
  int64_t handle = 0;
  check(hook, MTIA_EXT_SLOT(hook, events_ext_, MTIA_EXT_EVENTS_V1, event_create),
        enable_timing ? MTIA_EVENT_TIMING : MTIA_EVENT_DEFAULT, &handle);
  return handle;
}

void PluginHooks::eventDestroy(int64_t event) const {
  constexpr const char* hook = "Event::~Event";
  check(hook, MTIA_EXT_SLOT(hook, events_ext_, MTIA_EXT_EVENTS_V1, event_destroy), event);
}

void PluginHooks::eventRecord(int64_t event, const Stream& stream) const {
  constexpr const char* hook = "Event::record";
  check(hook, MTIA_EXT_SLOT(hook, events_ext_, MTIA_EXT_EVENTS_V1, event_record), event,
        toC(stream));
}

void PluginHooks::eventBlock(int64_t event, const Stream& stream) const {
  constexpr const char* hook = "Event::block";
  check(hook, MTIA_EXT_SLOT(hook, events_ext_, MTIA_EXT_EVENTS_V1, stream_wait_event), toC(stream),
        event);
}

bool PluginHooks::eventQuery(int64_t event) const {
  constexpr const char* hook = "Event::query";
  bool done = false;
  check(hook, MTIA_EXT_SLOT(hook, events_ext_, MTIA_EXT_EVENTS_V1, event_query), event, &done);
  return done;
}

void PluginHooks::eventSynchronize(int64_t event) const {
  constexpr const char* hook = "Event::synchronize";
  check(hook, MTIA_EXT_SLOT(hook, events_ext_, MTIA_EXT_EVENTS_V1, event_synchronize), event);
}

int64_t PluginHooks::eventElapsedNs(int64_t start, int64_t end) const {
  constexpr const char* hook = "Event::elapsedTime";
  int64_t ns = 0;
  check(hook, MTIA_EXT_SLOT(hook, events_ext_, MTIA_EXT_EVENTS_V1, event_elapsed_time), start, end,
        &ns);
  return ns;
}

}  // namespace mtia::detail
