// trace_hooks.cpp — the tracing decorator: each hook recorded as category
// "hook", named as the adapter names it, then forwarded to the adapter.
#include "trace_hooks.h"

#include "log.h"

#include <string>
#include <utility>

namespace mtia::detail {

namespace {
constexpr const char* kHook = "hook";
}  // namespace

// One line per hook: the name, its arguments, the forwarded call.
#define MTIA_TRACED(name, args, call) \
  traced(session_, kHook, name, TraceArgs args, [&]() -> decltype(auto) { return adapter_.call; })

void TracingHooks::init() const { MTIA_TRACED("init", {}, init()); }
bool TracingHooks::hasMTIA() const { return MTIA_TRACED("hasMTIA", {}, hasMTIA()); }
DeviceIndex TracingHooks::deviceCount() const {
  return MTIA_TRACED("deviceCount", {}, deviceCount());
}
void TracingHooks::deviceSynchronize(DeviceIndex device_index) const {
  MTIA_TRACED("deviceSynchronize", ({{"device", device_index}}), deviceSynchronize(device_index));
}
std::string TracingHooks::showConfig() const { return MTIA_TRACED("showConfig", {}, showConfig()); }
bool TracingHooks::hasPrimaryContext(DeviceIndex device_index) const {
  return MTIA_TRACED("hasPrimaryContext", ({{"device", device_index}}),
                     hasPrimaryContext(device_index));
}
void TracingHooks::setCurrentDevice(DeviceIndex device) const {
  MTIA_TRACED("setCurrentDevice", ({{"device", device}}), setCurrentDevice(device));
}
DeviceIndex TracingHooks::getCurrentDevice() const {
  return MTIA_TRACED("getCurrentDevice", {}, getCurrentDevice());
}
DeviceIndex TracingHooks::exchangeDevice(DeviceIndex device) const {
  return MTIA_TRACED("exchangeDevice", ({{"device", device}}), exchangeDevice(device));
}
DeviceIndex TracingHooks::maybeExchangeDevice(DeviceIndex device) const {
  return MTIA_TRACED("maybeExchangeDevice", ({{"device", device}}), maybeExchangeDevice(device));
}
Stream TracingHooks::getCurrentStream(DeviceIndex device) const {
  return MTIA_TRACED("getCurrentStream", ({{"device", device}}), getCurrentStream(device));
}
int64_t TracingHooks::getCurrentRawStream(DeviceIndex device) const {
  return MTIA_TRACED("getCurrentRawStream", ({{"device", device}}), getCurrentRawStream(device));
}
Stream TracingHooks::getDefaultStream(DeviceIndex device) const {
  return MTIA_TRACED("getDefaultStream", ({{"device", device}}), getDefaultStream(device));
}
void TracingHooks::setCurrentStream(const Stream& stream) const {
  traced(session_, kHook, "setCurrentStream", streamArgs(stream),
         [&] { adapter_.setCurrentStream(stream); });
}
bool TracingHooks::isPinnedPtr(const void* data) const {
  return MTIA_TRACED("isPinnedPtr", ({{"ptr", data}}), isPinnedPtr(data));
}
Allocator* TracingHooks::getPinnedMemoryAllocator() const {
  return MTIA_TRACED("getPinnedMemoryAllocator", {}, getPinnedMemoryAllocator());
}
nlohmann::json TracingHooks::memoryStats(DeviceIndex device) const {
  return MTIA_TRACED("memoryStats", ({{"device", device}}), memoryStats(device));
}
nlohmann::json TracingHooks::getDeviceCapability(DeviceIndex device) const {
  return MTIA_TRACED("getDeviceCapability", ({{"device", device}}), getDeviceCapability(device));
}
nlohmann::json TracingHooks::getDeviceProperties(DeviceIndex device) const {
  return MTIA_TRACED("getDeviceProperties", ({{"device", device}}), getDeviceProperties(device));
}
void TracingHooks::emptyCache() const { MTIA_TRACED("emptyCache", {}, emptyCache()); }
void TracingHooks::recordMemoryHistory(const std::optional<std::string>& enabled,
                                       const std::string& stacks, size_t max_entries) const {
  traced(
      session_, kHook, "recordMemoryHistory", {{"max_entries", max_entries}},
      [&](TraceRecord& r) noexcept {
        if (enabled) traceText(r, "enabled", *enabled);
        traceText(r, "stacks", stacks);
      },
      [&] { adapter_.recordMemoryHistory(enabled, stacks, max_entries); });
}
nlohmann::json TracingHooks::memorySnapshot(const std::optional<std::string>& local_path) const {
  // The snapshot itself may be large: the trace keeps only its size.
  nlohmann::json snapshot;
  traced(
      session_, kHook, "memorySnapshot", {},
      [&](TraceRecord& r) noexcept {
        if (local_path) traceText(r, "local_path", *local_path);
      },
      [&] {
        snapshot = adapter_.memorySnapshot(local_path);
        return static_cast<int64_t>(snapshot.size());
      });
  return snapshot;
}
DeviceIndex TracingHooks::getDeviceCount() const {
  return MTIA_TRACED("getDeviceCount", {}, getDeviceCount());
}
void TracingHooks::resetPeakMemoryStats(DeviceIndex device) const {
  MTIA_TRACED("resetPeakMemoryStats", ({{"device", device}}), resetPeakMemoryStats(device));
}
void TracingHooks::attachOutOfMemoryObserver(OutOfMemoryObserver observer) const {
  traced(session_, kHook, "attachOutOfMemoryObserver", {},
         [&] { adapter_.attachOutOfMemoryObserver(std::move(observer)); });
}
bool TracingHooks::isAvailable() const { return MTIA_TRACED("isAvailable", {}, isAvailable()); }

int64_t TracingHooks::mtiagraphCreate(bool keep_graph) const {
  return MTIA_TRACED("mtiagraphCreate", ({{"keep_graph", keep_graph}}),
                     mtiagraphCreate(keep_graph));
}
void TracingHooks::mtiagraphDestroy(int64_t handle) const {
  MTIA_TRACED("mtiagraphDestroy", ({{"graph", handle}}), mtiagraphDestroy(handle));
}
void TracingHooks::mtiagraphCaptureBegin(int64_t handle, MempoolId_t pool) const {
  MTIA_TRACED("mtiagraphCaptureBegin",
              ({{"graph", handle}, {"pool_first", pool.first}, {"pool_second", pool.second}}),
              mtiagraphCaptureBegin(handle, pool));
}
void TracingHooks::mtiagraphCaptureEnd(int64_t handle) const {
  MTIA_TRACED("mtiagraphCaptureEnd", ({{"graph", handle}}), mtiagraphCaptureEnd(handle));
}
void TracingHooks::mtiagraphInstantiate(int64_t handle) const {
  MTIA_TRACED("mtiagraphInstantiate", ({{"graph", handle}}), mtiagraphInstantiate(handle));
}
void TracingHooks::mtiagraphReplay(int64_t handle) const {
  MTIA_TRACED("mtiagraphReplay", ({{"graph", handle}}), mtiagraphReplay(handle));
}
void TracingHooks::mtiagraphReset(int64_t handle) const {
  MTIA_TRACED("mtiagraphReset", ({{"graph", handle}}), mtiagraphReset(handle));
}
MempoolId_t TracingHooks::mtiagraphPool(int64_t handle) const {
  return MTIA_TRACED("mtiagraphPool", ({{"graph", handle}}), mtiagraphPool(handle));
}
MempoolId_t TracingHooks::graphPoolHandle() const {
  return MTIA_TRACED("graphPoolHandle", {}, graphPoolHandle());
}

Stream TracingHooks::createStream(DeviceIndex device, int32_t priority) const {
  return MTIA_TRACED("createStream", ({{"device", device}, {"priority", priority}}),
                     createStream(device, priority));
}
void* TracingHooks::deviceAlloc(DeviceIndex device, size_t bytes) const {
  return MTIA_TRACED("deviceAlloc", ({{"device", device}, {"bytes", bytes}}),
                     deviceAlloc(device, bytes));
}
void TracingHooks::deviceFree(void* ptr) const {
  MTIA_TRACED("deviceFree", ({{"ptr", static_cast<const void*>(ptr)}}), deviceFree(ptr));
}
const void* TracingHooks::getExtension(const char* id) const {
  return traced(
      session_, kHook, "getExtension", {},
      [&](TraceRecord& r) noexcept { traceText(r, "id", id != nullptr ? id : "(null)"); },
      [&] { return adapter_.getExtension(id); });
}

#undef MTIA_TRACED

const MTIAHooksInterface& chooseTracing(const LoadEnvironment& env, PluginHooks& adapter,
                                        std::unique_ptr<TracingHooks>& decorator) noexcept {
  try {
    const std::optional<TraceConfig> config = traceConfig(env);
    if (!config) return adapter;
    TraceSession& session = traceSession(*config);
    if (decorator == nullptr) {
      decorator = std::make_unique<TracingHooks>(adapter, session);
    } else {
      decorator->rebind(session);
    }
    // attach() made the Binding (make_shared<Binding>): not a const object.
    std::const_pointer_cast<Binding>(adapter.binding())->setTrace(&session);
    const PluginInfo& info = *adapter.pluginInfo();
    TraceRecord loaded;
    loaded.name = "plugin loaded";
    loaded.category = "mtia.trace";
    loaded.instant = true;
    loaded.tid = traceThreadId();
    loaded.start_ns = traceNowNs();
    loaded.args = {{"abi_major", info.abi_major}, {"abi_minor", info.abi_minor}};
    traceText(loaded, "plugin", info.name);
    traceText(loaded, "version", info.version);
    traceText(loaded, "path", info.resolved_path);
    session.add(std::move(loaded));
    return *decorator;
  } catch (...) {  // out of memory setting up the trace: untraced
    try {
      logger().error("cannot trace the MTIA plugin (out of memory); it is loaded without tracing");
    } catch (...) {
    }
    return adapter;
  }
}

}  // namespace mtia::detail
