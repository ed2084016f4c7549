// trace_hooks.h — the tracing decorator: an MTIAHooksInterface that records
// each call in a TraceSession (trace.h) and forwards it to the adapter.
//
// Chosen at load time (chooseTracing, called once by PluginLoader where it
// hands out its hooks): untraced, the loader hands out the adapter itself, so
// the untraced hot getters are unchanged (no flag, no extra call).
#pragma once

#include "adapter.h"
#include "trace.h"

#include <mtia/hooks.h>
#include <mtia/loader.h>

#include <memory>

namespace mtia::detail {

class TracingHooks final : public MTIAHooksInterface {
 public:
  TracingHooks(const PluginHooks& adapter, TraceSession& session) noexcept
      : adapter_(adapter), session_(&session) {}

  // A later traced load of the same loader may name another file.
  void rebind(TraceSession& session) noexcept { session_ = &session; }

  void init() const override;
  bool hasMTIA() const override;
  DeviceIndex deviceCount() const override;
  void deviceSynchronize(DeviceIndex device_index) const override;
  std::string showConfig() const override;
  bool hasPrimaryContext(DeviceIndex device_index) const override;
  void setCurrentDevice(DeviceIndex device) const override;
  DeviceIndex getCurrentDevice() const override;
  DeviceIndex exchangeDevice(DeviceIndex device) const override;
  DeviceIndex maybeExchangeDevice(DeviceIndex device) const override;
  Stream getCurrentStream(DeviceIndex device) const override;
  int64_t getCurrentRawStream(DeviceIndex device) const override;
  Stream getDefaultStream(DeviceIndex device) const override;
  void setCurrentStream(const Stream& stream) const override;
  bool isPinnedPtr(const void* data) const override;
  Allocator* getPinnedMemoryAllocator() const override;
  nlohmann::json memoryStats(DeviceIndex device) const override;
  nlohmann::json getDeviceCapability(DeviceIndex device) const override;
  nlohmann::json getDeviceProperties(DeviceIndex device) const override;
  void emptyCache() const override;
  void recordMemoryHistory(const std::optional<std::string>& enabled, const std::string& stacks,
                           size_t max_entries) const override;
  nlohmann::json memorySnapshot(const std::optional<std::string>& local_path) const override;
  DeviceIndex getDeviceCount() const override;
  void resetPeakMemoryStats(DeviceIndex device) const override;
  void attachOutOfMemoryObserver(OutOfMemoryObserver observer) const override;
  bool isAvailable() const override;

  int64_t mtiagraphCreate(bool keep_graph = false) const override;
  void mtiagraphDestroy(int64_t handle) const override;
  void mtiagraphCaptureBegin(int64_t handle, MempoolId_t pool) const override;
  void mtiagraphCaptureEnd(int64_t handle) const override;
  void mtiagraphInstantiate(int64_t handle) const override;
  void mtiagraphReplay(int64_t handle) const override;
  void mtiagraphReset(int64_t handle) const override;
  MempoolId_t mtiagraphPool(int64_t handle) const override;
  MempoolId_t graphPoolHandle() const override;

  Stream createStream(DeviceIndex device = -1, int32_t priority = 0) const override;
  void* deviceAlloc(DeviceIndex device, size_t bytes) const override;
  void deviceFree(void* ptr) const override;
  const void* getExtension(const char* id) const override;
  // Not calls into the plugin: forwarded unrecorded. StreamExec and Event
  // reach the plugin through the binding, which carries the session.
  const PluginInfo* pluginInfo() const override { return adapter_.pluginInfo(); }
  std::shared_ptr<const Binding> binding() const override { return adapter_.binding(); }

 private:
  const PluginHooks& adapter_;
  TraceSession* session_;
};

// The hooks a load hands out: with MTIA_TRACE (read through `env`), the
// tracing decorator bound to `adapter` (created in `decorator` on first use,
// rebound on later loads) and the adapter's current binding traced too;
// otherwise the adapter itself. Never throws for tracing's sake: when the
// trace cannot be set up the reason is logged and the adapter is handed out.
const MTIAHooksInterface& chooseTracing(const LoadEnvironment& env, PluginHooks& adapter,
                                        std::unique_ptr<TracingHooks>& decorator) noexcept;

}  // namespace mtia::detail
