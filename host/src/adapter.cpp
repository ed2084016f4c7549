#include "adapter.h"

#include "compiler.h"
#include "log.h"
#include "plugin_json.h"
#include "sink.h"
#include "swallow.h"
#include "text.h"
#include "unloaded.h"

#include <mtia/errors.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace mtia::detail {

namespace {

void oomTrampoline(void* user_data, int32_t device, uint64_t requested, uint64_t total,
                   uint64_t free_bytes) noexcept {
  runLogged("an out-of-memory observer threw", [&] {
    (*static_cast<OutOfMemoryObserver*>(user_data))(device, requested, total, free_bytes);
  });
}

}  // namespace

// The pinned host allocator, backed by the plugin's pinned_alloc/pinned_free.
// One per adapter (the pointer stays valid for the loader's life); each
// DataPtr owns a reference to the Binding of the load that allocated it, so
// its release after that load ended is a safe no-op, whatever came since.
class PluginHooks::PinnedAllocator final : public Allocator {
 public:
  explicit PinnedAllocator(const PluginHooks& hooks) : hooks_(hooks) {}
  DataPtr allocate(std::size_t n) override {
    static constexpr const char* kHook = "getPinnedMemoryAllocator()->allocate";
    void* ptr = nullptr;
    hooks_.check(kHook, hooks_.api_.pinned_alloc, n, &ptr);
    if (ptr == nullptr) {
      if (n != 0) hooks_.noMemory(kHook, "pinned_alloc", n);
      return DataPtr();
    }
    auto* load = new (std::nothrow) std::shared_ptr<const Binding>(hooks_.binding_);
    if (load == nullptr) {
      hooks_.releasePinned(ptr);
      hooks_.raise(kHook, MTIA_STATUS_OUT_OF_MEMORY, "the host ran out of memory");
    }
    return DataPtr(ptr, load, &PinnedAllocator::release);
  }

 private:
  // A deleter: a no-op once its load has ended; logs a failure, never throws.
  static void release(void* context, void* ptr) noexcept {
    auto* load = static_cast<std::shared_ptr<const Binding>*>(context);
    runLogged("pinned memory was not released", [&] {  // an ended load: nothing to release
      if ((*load)->usable()) (*load)->live("pinned DataPtr release").releasePinned(ptr);
    });
    delete load;
  }
  const PluginHooks& hooks_;
};

void PluginHooks::releasePinned(void* ptr) const noexcept {
  runLogged("pinned memory was not released", [&] { check("pinned_free", api_.pinned_free, ptr); });
}

namespace {

// The host's copy of a standard extension table: the plugin's first
// struct_size bytes (at most the host's sizeof(Ext)), zero beyond, so a table
// built against an older, smaller version of the extension has its missing
// trailing slots absent (NULL). A table too small to hold even its first slot
// counts as not provided (struct_size 0). struct_size keeps the plugin's value.
template <class Ext>
Ext copyExtension(const void* table) noexcept {
  Ext copy;
  std::memset(&copy, 0, sizeof(copy));
  if (table == nullptr) return copy;
  std::size_t size = 0;
  std::memcpy(&size, table, sizeof(size));
  constexpr std::size_t first_slot_end = sizeof(std::size_t) + sizeof(void (*)());
  if (size < first_slot_end) return copy;
  std::memcpy(&copy, table, std::min(size, sizeof(Ext)));
  copy.struct_size = size;
  return copy;
}

}  // namespace

PluginHooks::PluginHooks() : pinned_allocator_(std::make_unique<PinnedAllocator>(*this)) {
  fork_link_.hooks = this;
  installStandIns(unloadedStandIns());
}

PluginHooks::~PluginHooks() { detach(); }

void PluginHooks::attach(const mtia_plugin_api_t& table, PluginInfo info) {
  auto binding = std::make_shared<Binding>(*this, info.name);
  info_ = std::move(info);  // may throw only before it changed anything (strings)
  binding_ = std::move(binding);
  api_ = table;
  bindAbsentSlots(api_);  // a hook calls its slot with no NULL check (unloaded.h)
  const auto ext = [&](const char* id) -> const void* {
    const void* found = nullptr;  // on failure the hooks that need it say it is missing
    runLogged("an extension is taken as absent", [&] { found = getExtension(id); },
              spdlog::level::warn);
    return found;
  };
  streams_ext_ = copyExtension<mtia_streams_ext_v1_t>(ext(MTIA_EXT_STREAMS_V1));
  exec_ext_ = copyExtension<mtia_exec_ext_v1_t>(ext(MTIA_EXT_EXEC_V1));
  events_ext_ = copyExtension<mtia_events_ext_v1_t>(ext(MTIA_EXT_EVENTS_V1));
  device_limit_ = kMaxDeviceIndex + 1;
  cacheDeviceCount();
  if (!bound_) registerBound(fork_link_);
  bound_ = true;
}

void PluginHooks::installStandIns(const StandIns& stand_ins) noexcept {
  std::memcpy(&api_, &stand_ins.api, sizeof(api_));
  std::memcpy(&streams_ext_, &stand_ins.streams, sizeof(streams_ext_));
  std::memcpy(&exec_ext_, &stand_ins.exec, sizeof(exec_ext_));
  std::memcpy(&events_ext_, &stand_ins.events, sizeof(events_ext_));
}

void PluginHooks::detach() noexcept {
  if (bound_) unregisterBound(fork_link_);
  bound_ = false;
  installStandIns(unloadedStandIns());
  if (binding_ != nullptr) binding_->setState(Binding::State::Unloaded);
}

void PluginHooks::forgetObservers() noexcept {
  std::lock_guard<std::mutex> lock(observers_mutex_);
  observers_.clear();
}

void PluginHooks::enterForkedChild() noexcept {
  installStandIns(forkedStandIns());
  if (binding_ != nullptr) binding_->setState(Binding::State::Forked);
}

const PluginHooks& Binding::live(const char* hook) const {
  if (state_.load(std::memory_order_acquire) == State::Unloaded) {
    throw PluginError(hook, plugin_, MTIA_STATUS_UNAVAILABLE, kUnloadedMessage);
  }
  return *hooks_;
}

// ---- errors ---------------------------------------------------------------

HookFailures PluginHooks::failures() const noexcept {
  return HookFailures(info_.name, api_.get_last_error);
}

void PluginHooks::raise(const char* hook, int32_t code, const std::string& message) const {
  failures().raise(hook, code, message);
}

void PluginHooks::raiseLastError(const char* hook, mtia_status_t returned) const {
  failures().raiseLastError(hook, returned);
}

void PluginHooks::escaped(const char* hook) const {
  try {
    throw;
  } catch (const AbsentSlot& slot) {  // the stand-in of an absent slot (unloaded.h)
    absent(hook, slot.slot, slot.minor);
  } catch (...) {
    failures().escaped(hook);
  }
}

void PluginHooks::noMemory(const char* hook, const char* slot, size_t bytes) const {
  raise(hook, MTIA_STATUS_INTERNAL,
        std::string("the plugin's ") + slot + " returned OK but no memory for " +
            std::to_string(bytes) + " bytes");
}

void PluginHooks::cacheDeviceCount() noexcept {
  int32_t count = -1;
  runLogged("the device count at load is unknown",
            [&] { count = call("deviceCount", api_.device_count); }, spdlog::level::warn);
  if (count >= 0 && static_cast<uint32_t>(count) <= kMaxDeviceIndex) {
    device_limit_ = static_cast<uint32_t>(count);
    return;
  }
  try {
    logger().warn("MTIA plugin '{}': device_count() returned {} at load; device indices it "
                  "returns are checked only against DeviceIndex (0..{})",
                  info_.name, count, kMaxDeviceIndex);
  } catch (...) {
  }
}

void PluginHooks::checkCallerString(const char* hook, const char* what,
                                    const std::string& text) const {
  const std::size_t nul = text.find('\0');
  if (nul == std::string::npos) return;
  raise(hook, MTIA_STATUS_INVALID_ARGUMENT,
        std::string(what) + " contains a NUL byte at offset " + std::to_string(nul) +
            " (a C string would end there)");
}

void PluginHooks::absent(const char* hook, const char* slot, uint32_t minor) const {
  const std::string abi = "plugin ABI " + abiVersion(MTIA_PLUGIN_ABI_MAJOR, minor);
  if (info_.abi_minor < minor) {
    raise(hook, MTIA_STATUS_NOT_SUPPORTED,
          "slot '" + std::string(slot) + "' requires " + abi + "; plugin implements " +
              abiVersion(info_.abi_major, info_.abi_minor));
  }
  raise(hook, MTIA_STATUS_NOT_SUPPORTED,
        std::string("the plugin does not implement this hook (slot '") + slot + "' of " + abi +
            " is absent)");
}

void PluginHooks::badDeviceIndex(const char* hook, int32_t value) const {
  if (value < 0) raiseLastError(hook);
  const std::string count =
      device_limit_ > kMaxDeviceIndex
          ? "the largest DeviceIndex is " + std::to_string(kMaxDeviceIndex)
          : "deviceCount() was " + std::to_string(device_limit_) + " at load";
  raise(hook, MTIA_STATUS_INTERNAL,
        "the plugin returned device index " + std::to_string(value) + ", but " + count);
}

void PluginHooks::badStream(const char* hook, int64_t stream_id, uint64_t device_word) const {
  const mtia_stream_t s = fromDeviceWord(stream_id, device_word);
  if (s.device_index < 0 || static_cast<uint32_t>(s.device_index) >= device_limit_) {
    badDeviceIndex(hook, s.device_index);
  }
  raise(hook, MTIA_STATUS_INTERNAL,
        "the plugin returned a stream of device type " + std::to_string(s.device_type) +
            ", not MTIA (" + std::to_string(MTIA_DEVICE_TYPE_MTIA) + ")");
}

nlohmann::json PluginHooks::parseJson(const char* hook, const std::string& text) const {
  try {
    return parsePluginObject(text);
  } catch (const JsonProblem& e) {
    raise(hook, MTIA_STATUS_INTERNAL, e.what());
  }
}

template <class Write>
nlohmann::json PluginHooks::callJson(const char* hook, Write write) const {
  StringSink out(kMaxPluginJsonBytes);
  check(hook, write, out.sink());
  const std::string problem = out.problem();
  if (!problem.empty()) raise(hook, MTIA_STATUS_INTERNAL, problem);  // overflow: never partial text
  return parseJson(hook, out.text());
}

// The JSON of a per-device slot.
#define MTIA_DEVICE_JSON(hook, slot, device) \
  callJson(hook, [fn = api_.slot, device](const mtia_sink_t* out) { return fn(device, out); })

// Every absent slot is bound to a stand-in that throws AbsentSlot (attach()),
// which call() and check() turn into the absent-slot PluginError: a hook calls
// its slot with no NULL check. A hook that checks its arguments before the
// call asks first, so that an absent slot is reported whatever the arguments.
#define MTIA_REQUIRE_SLOT(hook, slot)                         \
  do {                                                        \
    if (api_.slot == absentSlots().slot) absent(hook, #slot); \
  } while (false)

// ---- device group ---------------------------------------------------------

void PluginHooks::init() const {
  if (api_.lazy_init != nullptr) check("init", api_.lazy_init);
}

bool PluginHooks::hasMTIA() const {
  return api_.has_mtia == nullptr || call("hasMTIA", api_.has_mtia);
}

DeviceIndex PluginHooks::deviceCount() const {
  return toCount("deviceCount", call("deviceCount", api_.device_count));
}

DeviceIndex PluginHooks::getDeviceCount() const {
  return toCount("getDeviceCount", call("getDeviceCount", api_.device_count));
}

DeviceIndex PluginHooks::toCount(const char* hook, int32_t count) const {
  if (count < 0) raiseLastError(hook);
  if (static_cast<uint32_t>(count) > kMaxDeviceIndex) {
    raise(hook, MTIA_STATUS_INTERNAL,
          "the plugin reported " + std::to_string(count) +
              " devices, more than DeviceIndex can count (" + std::to_string(kMaxDeviceIndex) + ")");
  }
  return static_cast<DeviceIndex>(count);
}

bool PluginHooks::isAvailable() const {
  bool available = false;
  runLogged("isAvailable() is false", [&] {
    available = (api_.is_available == nullptr || call("isAvailable", api_.is_available)) &&
                deviceCount() > 0;
  }, spdlog::level::warn);
  return available;
}

void PluginHooks::deviceSynchronize(DeviceIndex device_index) const {
  check("deviceSynchronize", api_.device_synchronize, device_index);
}

std::string PluginHooks::showConfig() const {
  return callJson("showConfig", api_.show_config).dump(2);
}

bool PluginHooks::hasPrimaryContext(DeviceIndex device_index) const {
  const int32_t r = call("hasPrimaryContext", api_.has_primary_context,
                         static_cast<int32_t>(device_index));
  if (MTIA_LIKELY(r >= 0)) return r != 0;
  raiseLastError("hasPrimaryContext");
}

void PluginHooks::setCurrentDevice(DeviceIndex device) const {
  check("setCurrentDevice", api_.set_current_device, static_cast<int32_t>(device));
}

DeviceIndex PluginHooks::getCurrentDevice() const {
  return toDeviceIndex("getCurrentDevice", call("getCurrentDevice", api_.get_current_device));
}

DeviceIndex PluginHooks::exchangeDevice(DeviceIndex device) const {
  return toDeviceIndex("exchangeDevice",
                       call("exchangeDevice", api_.exchange_device, static_cast<int32_t>(device)));
}

DeviceIndex PluginHooks::maybeExchangeDevice(DeviceIndex device) const {
  return toDeviceIndex("maybeExchangeDevice",
                       call("maybeExchangeDevice", api_.maybe_exchange_device,
                            static_cast<int32_t>(device)));
}

// ---- stream group ---------------------------------------------------------

Stream PluginHooks::getCurrentStream(DeviceIndex device) const {
  return toStream("getCurrentStream",
                  call("getCurrentStream", api_.get_current_stream, static_cast<int32_t>(device)));
}

int64_t PluginHooks::getCurrentRawStream(DeviceIndex device) const {
  const int64_t raw =
      call("getCurrentRawStream", api_.get_current_raw_stream, static_cast<int32_t>(device));
  if (MTIA_LIKELY(raw >= 0)) return raw;
  raiseLastError("getCurrentRawStream");
}

Stream PluginHooks::getDefaultStream(DeviceIndex device) const {
  return toStream("getDefaultStream",
                  call("getDefaultStream", api_.get_default_stream, static_cast<int32_t>(device)));
}

void PluginHooks::setCurrentStream(const Stream& stream) const {
  if (!MTIA_LIKELY(stream.device_type() == DeviceType::MTIA)) {
    notMtiaStream("setCurrentStream", stream);
  }
  const mtia_stream_t s{stream.id(), stream.device_index(), MTIA_DEVICE_TYPE_MTIA};
  check("setCurrentStream", api_.set_current_stream, s);
}

void PluginHooks::notMtiaStream(const char* hook, const Stream& stream) const {
  raise(hook, MTIA_STATUS_INVALID_ARGUMENT,
        "the stream's device type is " + std::to_string(static_cast<int>(stream.device_type())) +
            ", not MTIA (19)");
}

Stream PluginHooks::createStream(DeviceIndex device, int32_t priority) const {
  requireExtension("createStream", MTIA_EXT_STREAMS_V1);
  mtia_stream_t s{};
  check("createStream",
        MTIA_EXT_SLOT("createStream", streams_ext_, MTIA_EXT_STREAMS_V1, create_stream),
        static_cast<int32_t>(device), priority, &s);
  return toStream("createStream", s);
}

const void* PluginHooks::getExtension(const char* id) const {
  if (api_.get_extension == nullptr || id == nullptr) return nullptr;
  return call("getExtension", api_.get_extension, id);
}

// ---- memory group ---------------------------------------------------------

bool PluginHooks::isPinnedPtr(const void* data) const {
  return call("isPinnedPtr", api_.is_pinned_ptr, data);
}

Allocator* PluginHooks::getPinnedMemoryAllocator() const {
  MTIA_REQUIRE_SLOT("getPinnedMemoryAllocator", pinned_alloc);
  MTIA_REQUIRE_SLOT("getPinnedMemoryAllocator", pinned_free);
  return pinned_allocator_.get();
}

void* PluginHooks::deviceAlloc(DeviceIndex device, size_t bytes) const {
  void* ptr = nullptr;
  check("deviceAlloc", api_.device_alloc, static_cast<int32_t>(device), bytes, &ptr);
  if (ptr == nullptr && bytes != 0) noMemory("deviceAlloc", "device_alloc", bytes);
  return ptr;
}

void PluginHooks::deviceFree(void* ptr) const {
  check("deviceFree", api_.device_free, ptr);
}

// The result of `check_json(json)`, or PluginError(INTERNAL) for `hook`.
#define MTIA_CHECKED_JSON(hook, check_json, json) \
  try {                                           \
    check_json(json);                             \
  } catch (const JsonProblem& e) {                \
    raise(hook, MTIA_STATUS_INTERNAL, e.what());  \
  }

nlohmann::json PluginHooks::memoryStats(DeviceIndex device) const {
  nlohmann::json stats = MTIA_DEVICE_JSON("memoryStats", memory_stats, device);
  MTIA_CHECKED_JSON("memoryStats", checkMemoryStats, stats);
  return stats;
}

nlohmann::json PluginHooks::getDeviceCapability(DeviceIndex device) const {
  nlohmann::json cap = MTIA_DEVICE_JSON("getDeviceCapability", get_device_capability, device);
  MTIA_CHECKED_JSON("getDeviceCapability", checkDeviceCapability, cap);
  return cap;
}

nlohmann::json PluginHooks::getDeviceProperties(DeviceIndex device) const {
  nlohmann::json props = MTIA_DEVICE_JSON("getDeviceProperties", get_device_properties, device);
  MTIA_CHECKED_JSON("getDeviceProperties", checkDeviceProperties, props);
  return props;
}

void PluginHooks::emptyCache() const {
  check("emptyCache", api_.empty_cache);
}

void PluginHooks::recordMemoryHistory(const std::optional<std::string>& enabled,
                                      const std::string& stacks, size_t max_entries) const {
  MTIA_REQUIRE_SLOT("recordMemoryHistory", record_memory_history);
  if (enabled) checkCallerString("recordMemoryHistory", "the enabled mode", *enabled);
  checkCallerString("recordMemoryHistory", "the stacks mode", stacks);
  check("recordMemoryHistory", api_.record_memory_history, enabled ? enabled->c_str() : nullptr, stacks.c_str(),
        static_cast<uint64_t>(max_entries));
}

nlohmann::json PluginHooks::memorySnapshot(const std::optional<std::string>& local_path) const {
  MTIA_REQUIRE_SLOT("memorySnapshot", memory_snapshot);
  if (local_path) checkCallerString("memorySnapshot", "the path", *local_path);
  const char* path = local_path ? local_path->c_str() : nullptr;
  return callJson("memorySnapshot",
                  [fn = api_.memory_snapshot, path](const mtia_sink_t* out) { return fn(path, out); });
}

void PluginHooks::resetPeakMemoryStats(DeviceIndex device) const {
  check("resetPeakMemoryStats", api_.reset_peak_memory_stats, static_cast<int32_t>(device));
}

void PluginHooks::attachOutOfMemoryObserver(OutOfMemoryObserver observer) const {
  MTIA_REQUIRE_SLOT("attachOutOfMemoryObserver", attach_oom_observer);
  if (!observer) {
    raise("attachOutOfMemoryObserver", MTIA_STATUS_INVALID_ARGUMENT, "the observer is empty");
  }
  std::lock_guard<std::mutex> lock(observers_mutex_);
  observers_.push_back(std::move(observer));
  try {
    check("attachOutOfMemoryObserver", api_.attach_oom_observer, &oomTrampoline,
          static_cast<void*>(&observers_.back()));
  } catch (...) {
    observers_.pop_back();
    throw;
  }
}

// ---- graph group ----------------------------------------------------------

int64_t PluginHooks::mtiagraphCreate(bool keep_graph) const {
  int64_t handle = -1;
  check("mtiagraphCreate", api_.graph_create, keep_graph, &handle);
  return handle;
}

void PluginHooks::mtiagraphDestroy(int64_t handle) const {
  check("mtiagraphDestroy", api_.graph_destroy, handle);
}

void PluginHooks::mtiagraphCaptureBegin(int64_t handle, MempoolId_t pool) const {
  check("mtiagraphCaptureBegin", api_.graph_capture_begin, handle,
        mtia_mempool_id_t{pool.first, pool.second});
}

void PluginHooks::mtiagraphCaptureEnd(int64_t handle) const {
  check("mtiagraphCaptureEnd", api_.graph_capture_end, handle);
}

void PluginHooks::mtiagraphInstantiate(int64_t handle) const {
  check("mtiagraphInstantiate", api_.graph_instantiate, handle);
}

void PluginHooks::mtiagraphReplay(int64_t handle) const {
  check("mtiagraphReplay", api_.graph_replay, handle);
}

void PluginHooks::mtiagraphReset(int64_t handle) const {
  check("mtiagraphReset", api_.graph_reset, handle);
}

MempoolId_t PluginHooks::mtiagraphPool(int64_t handle) const {
  mtia_mempool_id_t pool{0, 0};
  check("mtiagraphPool", api_.graph_pool, handle, &pool);
  return {pool.first, pool.second};
}

// ---- 1.1 ------------------------------------------------------------------

MempoolId_t PluginHooks::graphPoolHandle() const {
  mtia_mempool_id_t pool{0, 0};
  check("graphPoolHandle", api_.graph_pool_handle, &pool);
  return {pool.first, pool.second};
}

}  // namespace mtia::detail
