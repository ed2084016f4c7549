// mtia/hooks.h — PyTorch's MTIA hooks seam, reached through a plugin.
//
// MTIAHooksInterface has the methods of at::MTIAHooksInterface with the same
// defaults: constructed on its own it is the "no backend" stub, whose hooks
// throw mtia::Error("Cannot execute f() without MTIA backend.") — followed,
// when the host knows it, by why there is no backend. PyObject* results are
// nlohmann::json; the Python OOM observer is a C++ callable.
//
// getMTIAHooks() loads the plugin named by MTIA_PLUGIN_PATH once, on first
// use, and returns its adapter; without a (loadable) plugin it returns the stub.
#pragma once

#include <mtia/export.h>
#include <mtia/types.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mtia {

inline constexpr const char* MTIA_HELP =
    "The MTIA backend requires MTIA extension for PyTorch;"
    "this error has occurred because you are trying "
    "to use some MTIA's functionality without MTIA extension included.";

struct PluginInfo;
namespace detail {
class Binding;
}  // namespace detail

// The part of PyTorch's AcceleratorHooksInterface that the MTIA seam overrides.
struct MTIA_HOST_API AcceleratorHooksInterface {
  virtual ~AcceleratorHooksInterface() = default;
  virtual bool isAvailable() const = 0;
  virtual void init() const = 0;
  virtual DeviceIndex deviceCount() const = 0;
  virtual bool hasPrimaryContext(DeviceIndex device_index) const = 0;
  virtual void setCurrentDevice(DeviceIndex device) const = 0;
  virtual DeviceIndex getCurrentDevice() const = 0;
  virtual DeviceIndex exchangeDevice(DeviceIndex device) const = 0;
  virtual DeviceIndex maybeExchangeDevice(DeviceIndex device) const = 0;
  virtual bool isPinnedPtr(const void* data) const = 0;
  virtual Allocator* getPinnedMemoryAllocator() const = 0;
};

struct MTIA_HOST_API MTIAHooksInterface : AcceleratorHooksInterface {
  // The stub. `reason`, when given, is appended to every "Cannot execute"
  // message (e.g. why the plugin could not be loaded).
  MTIAHooksInterface() = default;
  explicit MTIAHooksInterface(std::string reason) : reason_(std::move(reason)) {}
  ~MTIAHooksInterface() override = default;

  // Why this object has no backend ("" for the plain stub or a real backend).
  const std::string& unavailableReason() const noexcept { return reason_; }

  void init() const override {}
  virtual bool hasMTIA() const { return false; }
  DeviceIndex deviceCount() const override { return 0; }
  virtual void deviceSynchronize(DeviceIndex /*device_index*/) const { fail("deviceSynchronize"); }
  virtual std::string showConfig() const { fail("showConfig"); }
  bool hasPrimaryContext(DeviceIndex /*device_index*/) const override { return false; }
  void setCurrentDevice(DeviceIndex /*device*/) const override { fail("setCurrentDevice"); }
  DeviceIndex getCurrentDevice() const override { fail("getCurrentDevice"); }
  DeviceIndex exchangeDevice(DeviceIndex /*device*/) const override { fail("exchangeDevice"); }
  DeviceIndex maybeExchangeDevice(DeviceIndex /*device*/) const override {
    fail("maybeExchangeDevice");
  }
  virtual Stream getCurrentStream(DeviceIndex /*device*/) const { fail("getCurrentStream"); }
  virtual int64_t getCurrentRawStream(DeviceIndex /*device*/) const {
    fail("getCurrentRawStream");
  }
  virtual Stream getDefaultStream(DeviceIndex /*device*/) const { fail("getDefaultStream"); }
  virtual void setCurrentStream(const Stream& /*stream*/) const { fail("setCurrentStream"); }
  bool isPinnedPtr(const void* /*data*/) const override { return false; }
  Allocator* getPinnedMemoryAllocator() const override { fail("getPinnedMemoryAllocator"); }
  virtual nlohmann::json memoryStats(DeviceIndex /*device*/) const { fail("memoryStats"); }
  virtual nlohmann::json getDeviceCapability(DeviceIndex /*device*/) const {
    fail("getDeviceCapability");
  }
  virtual nlohmann::json getDeviceProperties(DeviceIndex /*device*/) const {
    fail("getDeviceProperties");
  }
  virtual void emptyCache() const { fail("emptyCache"); }
  virtual void recordMemoryHistory(const std::optional<std::string>& /*enabled*/,
                                   const std::string& /*stacks*/,
                                   size_t /*max_entries*/) const {
    fail("recordMemoryHistory");
  }
  virtual nlohmann::json memorySnapshot(const std::optional<std::string>& /*local_path*/) const {
    fail("memorySnapshot");
  }
  virtual DeviceIndex getDeviceCount() const { fail("getDeviceCount"); }
  virtual void resetPeakMemoryStats(DeviceIndex /*device*/) const {
    fail("resetPeakMemoryStats");
  }
  virtual void attachOutOfMemoryObserver(OutOfMemoryObserver /*observer*/) const {
    fail("attachOutOfMemoryObserver");
  }
  // PyTorch: isMTIAHooksBuilt() && deviceCount() > 0. The stub: false.
  bool isAvailable() const override { return false; }

  /* MTIAGraph related APIs */
  virtual int64_t mtiagraphCreate(bool /*keep_graph*/ = false) const { fail("mtiagraphCreate"); }
  virtual void mtiagraphDestroy(int64_t /*handle*/) const { fail("mtiagraphDestroy"); }
  virtual void mtiagraphCaptureBegin(int64_t /*handle*/, MempoolId_t /*pool*/) const {
    fail("mtiagraphCaptureBegin");
  }
  virtual void mtiagraphCaptureEnd(int64_t /*handle*/) const { fail("mtiagraphCaptureEnd"); }
  virtual void mtiagraphInstantiate(int64_t /*handle*/) const { fail("mtiagraphInstantiate"); }
  virtual void mtiagraphReplay(int64_t /*handle*/) const { fail("mtiagraphReplay"); }
  virtual void mtiagraphReset(int64_t /*handle*/) const { fail("mtiagraphReset"); }
  virtual MempoolId_t mtiagraphPool(int64_t /*handle*/) const { fail("mtiagraphPool"); }
  // A fresh pool id for sharing one memory pool between graph captures
  // (plugin ABI 1.1; a 1.0 plugin throws PluginError).
  virtual MempoolId_t graphPoolHandle() const { fail("graphPoolHandle"); }

  /* Beyond the seed: host-side access to the plugin. */

  // Allocates `bytes` of device memory on `device` (0..deviceCount()-1)
  // through the plugin's device_alloc slot; 0 bytes gives nullptr. The result
  // is the plugin's device address, owned until deviceFree. Throws
  // PluginError, e.g. OUT_OF_MEMORY (after the OOM observers have run).
  virtual void* deviceAlloc(DeviceIndex /*device*/, size_t /*bytes*/) const {
    fail("deviceAlloc");
  }
  // Frees a pointer from deviceAlloc (nullptr: no-op) through device_free.
  virtual void deviceFree(void* /*ptr*/) const { fail("deviceFree"); }
  // Creates a stream through the "mtia.streams/1" extension.
  virtual Stream createStream(DeviceIndex /*device*/ = -1, int32_t /*priority*/ = 0) const {
    fail("createStream");
  }
  // The plugin's extension table for a versioned id, or nullptr.
  virtual const void* getExtension(const char* /*id*/) const { return nullptr; }
  // What was loaded; nullptr for the stub.
  virtual const PluginInfo* pluginInfo() const { return nullptr; }
  // The host's own wrappers (StreamExec, Event, MTIAGraph) reach the plugin
  // through this: one load of the plugin, which ends at unload. nullptr for
  // the stub and for hooks implemented outside the host.
  virtual std::shared_ptr<const detail::Binding> binding() const { return nullptr; }

 protected:
  // Throws mtia::Error("Cannot execute <func>() without MTIA backend.[ <reason>]").
  [[noreturn]] void fail(const char* func) const;

 private:
  std::string reason_;
};

// The exported symbols that the inline getMTIAHooks() binds in every
// application: part of the library's ABI (abi/host.symbols records them), not
// an API to call. Their names, types and meaning stay fixed within a major.
namespace inline_api {
// The published process-wide hooks; nullptr until the first getMTIAHooks()
// has loaded them. Written once (release), never changed afterwards.
MTIA_HOST_API extern std::atomic<const MTIAHooksInterface*> g_published_hooks;
// The first-use path of getMTIAHooks(): loads once under std::call_once.
MTIA_HOST_API const MTIAHooksInterface& loadMTIAHooks();
}  // namespace inline_api

// The process-wide hooks: loads MTIA_PLUGIN_PATH once (thread-safe). Inline so
// that the steady state is one acquire load in the caller (a plain load on
// x86-64): no call into the host library, no lock. Never unloaded.
inline const MTIAHooksInterface& getMTIAHooks() {
  const MTIAHooksInterface* hooks = inline_api::g_published_hooks.load(std::memory_order_acquire);
  if (__builtin_expect(hooks != nullptr, 1)) return *hooks;
  return inline_api::loadMTIAHooks();
}
// True when getMTIAHooks() is backed by a loaded plugin (loads on first use).
MTIA_HOST_API bool isMTIAHooksBuilt();

}  // namespace mtia
