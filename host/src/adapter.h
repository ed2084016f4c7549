// adapter.h — binds a validated plugin table to MTIAHooksInterface.
//
// Each hook is one indirect call through the host's copy of the table, made
// through call(): whatever the plugin throws (an ABI violation) becomes
// PluginError(INTERNAL) naming the hook. Hot getters take their result from
// registers and only look at the plugin's last error when the result signals
// failure; the device indices they return are checked against the device
// count cached at load (one compare, no lock, no flag). An absent optional
// slot throws PluginError naming the hook and the slot: attach() binds it to
// a stand-in (unloaded.h) whose throw the catch around the call turns into
// that error, so no hook tests a slot for NULL before calling it.
//
// One adapter serves a PluginLoader for its whole life: attach() binds it to
// a load, detach() (unload) and enterForkedChild() (fork) replace every table
// copy with stand-ins that fail cleanly. Nothing outside the adapter holds a
// pointer into a plugin table: the wrappers (StreamExec, Event, MTIAGraph,
// pinned DataPtrs) reach the plugin through binding() and the methods below.
#pragma once

#include "binding.h"
#include "compiler.h"
#include "fork.h"
#include "slot_call.h"

#include <mtia/hooks.h>
#include <mtia/loader.h>
#include <mtia/plugin_abi.h>

#include "unloaded.h"

#include <cstddef>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <string>

// Inside PluginHooks: the slot of a standard extension copy, or the
// absent-slot PluginError(NOT_SUPPORTED) for `hook`.
#define MTIA_EXT_SLOT(hook, ext, id, slot)                                          \
  ((ext).slot != nullptr                                                            \
       ? (ext).slot                                                                 \
       : (absentExtensionSlot(hook, id, #slot, (ext).struct_size,                   \
                              offsetof(std::remove_reference_t<decltype(ext)>, slot)), \
          (ext).slot))

namespace mtia::detail {

class PluginHooks final : public MTIAHooksInterface {
 public:
  // Detached until attach(): every hook fails as after an unload.
  PluginHooks();
  ~PluginHooks() override;
  PluginHooks(const PluginHooks&) = delete;
  PluginHooks& operator=(const PluginHooks&) = delete;

#include "hook_overrides.inc"
  const PluginInfo* pluginInfo() const override { return &info_; }
  std::shared_ptr<const Binding> binding() const override { return binding_; }

  // Binds a new load: the host's copy of the plugin's table (copyTable) and
  // what was loaded. Strong guarantee: on an exception nothing changed.
  void attach(const mtia_plugin_api_t& table, PluginInfo info);
  // The plugin is being unloaded (no call may be in flight): rebind every slot
  // and extension to host functions that fail with "the plugin was unloaded",
  // so stale references to these hooks throw instead of calling unmapped code,
  // and end the Binding that the objects handed out hold.
  void detach() noexcept;
  // After the plugin's shutdown: the OOM observers can no longer be called.
  void forgetObservers() noexcept;
  // The atfork child handler (fork.cpp): memcpy of the fork stand-ins and an
  // atomic store, nothing else (async-signal-safe).
  void enterForkedChild() noexcept;

  // ---- for the wrappers (exec.h, graph.h): adapter_exec.cpp ---------------
  // Throws PluginError(NOT_SUPPORTED) for `hook` unless the plugin provides
  // the standard extension `id` (MTIA_EXT_EXEC_V1, _STREAMS_V1, _EVENTS_V1).
  void requireExtension(const char* hook, const char* id) const;
  void memsetAsync(const Stream& stream, void* dst, int value, size_t bytes) const;
  void memcpyAsync(const Stream& stream, void* dst, const void* src, size_t bytes,
                   int32_t kind) const;
  void launchHostFunc(const Stream& stream, mtia_host_fn_t fn, void* user_data) const;
  bool streamQuery(const Stream& stream) const;
  void streamSynchronize(const Stream& stream) const;
  int64_t eventCreate(bool enable_timing) const;
  void eventDestroy(int64_t event) const;
  void eventRecord(int64_t event, const Stream& stream) const;
  void eventBlock(int64_t event, const Stream& stream) const;
  bool eventQuery(int64_t event) const;
  void eventSynchronize(int64_t event) const;
  int64_t eventElapsedNs(int64_t start, int64_t end) const;
  // A pinned DataPtr's release while its load is live; failures are logged.
  void releasePinned(void* ptr) const noexcept;

  // Calls plugin code: fn(args...) through callSlot (slot_call.h): any
  // exception it lets escape becomes PluginError(INTERNAL) for `hook` ("the
  // plugin let a C++ exception escape into the host: ..."). Costs nothing
  // when nothing is thrown.
  template <class Fn, class... Args>
  auto call(const char* hook, Fn fn, Args... args) const -> decltype(fn(args...)) {
    return callSlot(*this, hook, fn, args...);
  }

  // Throws PluginError for `hook` with the plugin's last error (failure.h):
  // `returned` is the status the slot returned, MTIA_STATUS_OK for an in-band
  // failure of a hot getter.
  [[noreturn]] void raiseLastError(const char* hook, mtia_status_t returned = MTIA_STATUS_OK) const;
  // Throws PluginError for `hook` with a host-detected problem.
  [[noreturn]] void raise(const char* hook, int32_t code, const std::string& message) const;
  // Inside a catch block: PluginError(INTERNAL) for `hook` describing the
  // exception (with raiseLastError(), the failure policy callSlot needs).
  [[noreturn]] void escaped(const char* hook) const;

 private:
  class PinnedAllocator;

  // Calls a status-returning slot through checkSlot (slot_call.h); a failure
  // status becomes PluginError for `hook`.
  template <class Fn, class... Args>
  void check(const char* hook, Fn fn, Args... args) const {
    checkSlot(*this, hook, fn, args...);
  }
  // The policy behind raise(), raiseLastError() and escaped() (slot_call.h).
  HookFailures failures() const noexcept;
  // Hot: inline range checks against the device count cached at load;
  // anything out of range goes to the cold path.
  DeviceIndex toDeviceIndex(const char* hook, int32_t value) const {
    if (MTIA_LIKELY(static_cast<uint32_t>(value) < device_limit_)) {
      return static_cast<DeviceIndex>(value);
    }
    badDeviceIndex(hook, value);
  }
  // One compare in registers for both checks: the device word is below
  // device_limit_ exactly when the type is MTIA and the index is in range.
  Stream toStream(const char* hook, mtia_stream_t s) const {
    const uint64_t word = deviceWord(s);
    if (MTIA_LIKELY(word < device_limit_)) {
      return Stream(s.stream_id, Device(DeviceType::MTIA, static_cast<DeviceIndex>(word)));
    }
    badStream(hook, s.stream_id, word);
  }
  // A stream's device index and device type as one 64-bit word (index in the
  // low half), less MTIA's type: the index itself when the type is MTIA, at
  // least 2^32 otherwise. The compiler keeps it in the register it came in.
  static constexpr uint64_t kMtiaTypeWord = uint64_t{MTIA_DEVICE_TYPE_MTIA} << 32;
  static uint64_t deviceWord(const mtia_stream_t& s) noexcept {
    return (uint64_t{static_cast<uint32_t>(s.device_index)} |
            uint64_t{static_cast<uint32_t>(s.device_type)} << 32) -
           kMtiaTypeWord;
  }
  static mtia_stream_t fromDeviceWord(int64_t stream_id, uint64_t word) noexcept {
    word += kMtiaTypeWord;
    return {stream_id, static_cast<int32_t>(static_cast<uint32_t>(word)),
            static_cast<int32_t>(static_cast<uint32_t>(word >> 32))};
  }
  // Throws PluginError for a device index not below device_limit_: the
  // plugin's last error when negative (the failure signal), else INTERNAL
  // naming the index and the device count.
  [[noreturn]] void badDeviceIndex(const char* hook, int32_t value) const;
  // The same for a stream (its deviceWord()), or INTERNAL for its device type.
  [[noreturn]] void badStream(const char* hook, int64_t stream_id, uint64_t device_word) const;
  // PluginError(INVALID_ARGUMENT): a caller's stream of another device type.
  [[noreturn]] void notMtiaStream(const char* hook, const Stream& stream) const;
  // A device count from the plugin as DeviceIndex, or PluginError.
  DeviceIndex toCount(const char* hook, int32_t count) const;
  // PluginError(INTERNAL): `slot` succeeded without memory for `bytes` > 0.
  [[noreturn]] void noMemory(const char* hook, const char* slot, size_t bytes) const;
  // Sets device_limit_ from the plugin's device_count() (attach only).
  void cacheDeviceCount() noexcept;
  static constexpr uint32_t kMaxDeviceIndex = std::numeric_limits<DeviceIndex>::max();
  // Runs `write(sink)` (the slot's call), then parses what was written into
  // the sink: the one path of every JSON slot (caps and sink misuse: sink.h).
  template <class Write>
  nlohmann::json callJson(const char* hook, Write write) const;
  nlohmann::json parseJson(const char* hook, const std::string& text) const;
  // A caller's string about to cross as const char*: INVALID_ARGUMENT when it
  // contains a NUL byte (the plugin would see a different, shorter string).
  void checkCallerString(const char* hook, const char* what, const std::string& text) const;
  [[noreturn]] void absent(const char* hook, const char* slot, uint32_t minor = 0) const;
  // PluginError(NOT_SUPPORTED) for a standard extension's slot that is NULL
  // or lies beyond the struct_size of the plugin's (older, smaller) table.
  [[noreturn]] void absentExtensionSlot(const char* hook, const char* id, const char* slot,
                                        size_t struct_size, size_t offset) const;
  void installStandIns(const StandIns& stand_ins) noexcept;

  // The host's copy: absent slots bound to their stand-ins (but those whose
  // NULL has a meaning, unloaded.h); every slot a stand-in when detached.
  mtia_plugin_api_t api_;
  PluginInfo info_;
  // deviceCount() at attach (kMaxDeviceIndex + 1 when that failed): device
  // indices the plugin returns must be below it.
  uint32_t device_limit_ = kMaxDeviceIndex + 1;
  // The host's copies of the standard extensions: struct_size 0 when absent
  // (or too small for its first slot); slots beyond the plugin's struct_size NULL.
  mtia_streams_ext_v1_t streams_ext_;
  mtia_exec_ext_v1_t exec_ext_;
  mtia_events_ext_v1_t events_ext_;
  std::shared_ptr<Binding> binding_;  // the current (or last) load; nullptr before the first
  ForkLink fork_link_;
  bool bound_ = false;  // registered in fork.h's list
  std::unique_ptr<PinnedAllocator> pinned_allocator_;
  mutable std::mutex observers_mutex_;
  mutable std::list<OutOfMemoryObserver> observers_;  // stable addresses: user_data
};

}  // namespace mtia::detail
