// plugin.cpp — the sample plugin's ABI surface: the entry point, the table
// and the device and stream slots. Every slot is noexcept and turns failures
// into a status plus a message (mtia::plugin::guard).
#include "memory.h"
#include "runtime.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <string>

namespace mtia_sample {

using mtia::plugin::guard;
using mtia::plugin::guard_value;
using mtia::plugin::LastError;
using mtia::plugin::write_to;

namespace {

constexpr mtia_stream_t kFailedStream{-1, -1, MTIA_DEVICE_TYPE_MTIA};

// ---- lifecycle ------------------------------------------------------------

mtia_status_t initialize() noexcept {
  return guard([] {
    if (g_runtime != nullptr) throw Failure(MTIA_STATUS_INVALID_STATE, "already initialised");
    auto* rt = new Runtime(readConfig());
    g_runtime = rt;
    g_generation.fetch_add(1, std::memory_order_release);
    g_device_count.store(rt->deviceCount(), std::memory_order_release);
    log(MTIA_LOG_DEBUG, "initialised with " + std::to_string(rt->deviceCount()) + " devices");
  });
}

void shutdown() noexcept {
  g_device_count.store(0, std::memory_order_release);
  delete g_runtime;
  g_runtime = nullptr;
  g_host = nullptr;
}

const void* get_extension(const char* id) noexcept;

// ---- device group ---------------------------------------------------------

mtia_status_t lazy_init() noexcept {
  return guard([] { runtime(); });
}

bool has_mtia() noexcept { return g_runtime != nullptr; }

int32_t device_count() noexcept {
  return guard_value<int32_t>(-1, [] { return runtime().deviceCount(); });
}

bool is_available() noexcept { return g_device_count.load(std::memory_order_relaxed) > 0; }

// Resolves -1 to the calling thread's current device; throws when invalid.
int32_t resolveDevice(int32_t device) {
  if (device == -1) device = threadState().device;
  runtime().checkDevice(device);
  return device;
}

mtia_status_t device_synchronize(int32_t device) noexcept {
  return guard([&] { runtime().synchronizeDevice(resolveDevice(device)); });
}

mtia_status_t show_config(const mtia_sink_t* out) noexcept {
  return guard([&] {
    const Runtime& rt = runtime();
    nlohmann::json config = {
        {"plugin", kPluginName},
        {"version", kPluginVersion},
        {"abi_version", std::to_string(MTIA_PLUGIN_ABI_MAJOR) + "." +
                            std::to_string(MTIA_PLUGIN_ABI_MINOR)},
        {"device_count", rt.deviceCount()},
        {"max_streams_per_device", kMaxStreamsPerDevice},
        {"environment",
         {{"MTIA_SAMPLE_DEVICE_COUNT", rt.config().device_count},
          {"MTIA_SAMPLE_DEVICE_MEMORY", rt.config().device_memory_bytes},
          {"MTIA_SAMPLE_BIASED_LOCKS", rt.config().biased_locks ? 1 : 0}}},
    };
    write_to(out, config.dump());
  });
}

// Simulated hardware: every device is the same part.
constexpr int32_t kCapabilityMajor = 1;
constexpr int32_t kCapabilityMinor = 0;

mtia_status_t get_device_capability(int32_t device, const mtia_sink_t* out) noexcept {
  return guard([&] {
    resolveDevice(device);
    write_to(out, nlohmann::json{{"major", kCapabilityMajor}, {"minor", kCapabilityMinor}}.dump());
  });
}

mtia_status_t get_device_properties(int32_t device, const mtia_sink_t* out) noexcept {
  return guard([&] {
    const int32_t d = resolveDevice(device);
    const nlohmann::json props = {
        {"name", "MTIA Sample Device " + std::to_string(d)},
        {"index", d},
        {"total_memory", runtime().config().device_memory_bytes},
        {"major", kCapabilityMajor},
        {"minor", kCapabilityMinor},
        {"multi_processor_count", 64},
        {"max_streams", kMaxStreamsPerDevice},
        {"simulated", true},
    };
    write_to(out, props.dump());
  });
}

// Hot slots share one shape: a fast path on the calling thread's live state
// and valid arguments that never allocates, locks, logs or throws, and a
// guarded slow path for everything else (a thread's first call, bad input,
// no runtime) that produces the precise error. The slow paths are out of line
// and cold, and take their captures by value, so a fast path needs no stack
// frame: it is a few straight-line instructions ending in `ret`.
template <class Fn>
[[gnu::noinline, gnu::cold]] mtia_status_t coldGuard(Fn fn) noexcept {
  return guard(fn);
}
template <class T, class Fn>
[[gnu::noinline, gnu::cold]] T coldGuardValue(T on_error, Fn fn) noexcept {
  return guard_value<T>(on_error, fn);
}

// Marks the device's primary context as created. Writes only the first time,
// so threads that keep making a device current only read the shared line.
void createContext(int32_t device) noexcept {
  std::atomic<bool>& created = g_runtime->device(device).has_context;
  if (!created.load(std::memory_order_relaxed)) created.store(true, std::memory_order_relaxed);
}

int32_t hasContext(int32_t device) noexcept {
  return g_runtime->device(device).has_context.load(std::memory_order_relaxed) ? 1 : 0;
}

int32_t has_primary_context(int32_t device) noexcept {
  if (__builtin_expect(validDevice(device), 1)) return hasContext(device);
  return coldGuardValue<int32_t>(-1, [=] {
    runtime().checkDevice(device);
    return hasContext(device);
  });
}

// Makes `device` current for `state`; returns the previous current device.
int32_t makeCurrent(ThreadState& state, int32_t device, bool create_context) noexcept {
  if (create_context) createContext(device);
  const int32_t previous = state.device;
  state.device = device;
  return previous;
}

mtia_status_t set_current_device(int32_t device) noexcept {
  ThreadState* state = liveThreadState();
  if (__builtin_expect(state != nullptr && validDevice(device), 1)) {
    makeCurrent(*state, device, true);
    return MTIA_STATUS_OK;
  }
  return coldGuard([=] {
    runtime().checkDevice(device);
    makeCurrent(threadState(), device, true);
  });
}

int32_t get_current_device() noexcept {
  if (const ThreadState* state = liveThreadState(); __builtin_expect(state != nullptr, 1)) {
    return state->device;
  }
  return coldGuardValue<int32_t>(-1, [] {
    runtime();
    return threadState().device;
  });
}

int32_t exchange(int32_t device, bool create_context) noexcept {
  ThreadState* state = liveThreadState();
  if (__builtin_expect(state != nullptr && validDevice(device), 1)) {
    return makeCurrent(*state, device, create_context);
  }
  return coldGuardValue<int32_t>(-1, [=] {
    runtime().checkDevice(device);
    return makeCurrent(threadState(), device, create_context);
  });
}

int32_t exchange_device(int32_t device) noexcept { return exchange(device, true); }
int32_t maybe_exchange_device(int32_t device) noexcept { return exchange(device, false); }

// ---- stream group ---------------------------------------------------------

// The stream getters' shared shape: `read(state, d)` for the device d the
// call is about (-1: the calling thread's current device).
template <class Read>
mtia_stream_t streamGetter(int32_t device, Read read) noexcept {
  if (const ThreadState* state = liveThreadState(); __builtin_expect(state != nullptr, 1)) {
    const int32_t d = device == -1 ? state->device : device;
    if (__builtin_expect(validDevice(d), 1)) return read(*state, d);
  }
  return coldGuardValue(kFailedStream, [=] { return read(threadState(), resolveDevice(device)); });
}

mtia_stream_t get_current_stream(int32_t device) noexcept {
  return streamGetter(device, [](const ThreadState& state, int32_t d) {
    return mtia_stream_t{state.stream[static_cast<size_t>(d)], d, MTIA_DEVICE_TYPE_MTIA};
  });
}

int64_t get_current_raw_stream(int32_t device) noexcept {
  const mtia_stream_t s = get_current_stream(device);
  if (__builtin_expect(s.device_index < 0, 0)) return -1;
  // The raw handle is the address of the plugin's stream object.
  return static_cast<int64_t>(reinterpret_cast<intptr_t>(g_runtime->findStream(s.device_index, s.stream_id)));
}

mtia_stream_t get_default_stream(int32_t device) noexcept {
  return streamGetter(device, [](const ThreadState&, int32_t d) {
    return mtia_stream_t{0, d, MTIA_DEVICE_TYPE_MTIA};
  });
}

mtia_status_t set_current_stream(mtia_stream_t stream) noexcept {
  ThreadState* state = liveThreadState();
  if (__builtin_expect(state != nullptr && stream.device_type == MTIA_DEVICE_TYPE_MTIA &&
                           validDevice(stream.device_index) &&
                           g_runtime->findStream(stream.device_index, stream.stream_id) != nullptr,
                       1)) {
    state->stream[static_cast<size_t>(stream.device_index)] = stream.stream_id;
    return MTIA_STATUS_OK;
  }
  return coldGuard([=] {
    runtime().lookupStream(stream);
    threadState().stream[static_cast<size_t>(stream.device_index)] = stream.stream_id;
  });
}

// ---- "mtia.streams/1" -----------------------------------------------------

mtia_status_t create_stream(int32_t device, int32_t priority, mtia_stream_t* out) noexcept {
  return guard([&] {
    if (out == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out is NULL");
    const SampleStream& s = runtime().createStream(resolveDevice(device), priority);
    *out = {s.id, s.device, MTIA_DEVICE_TYPE_MTIA};
  });
}

mtia_status_t stream_query(mtia_stream_t stream, bool* out_idle) noexcept {
  return guard([&] {
    if (out_idle == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_idle is NULL");
    *out_idle = runtime().lookupStream(stream).exec.idle();
  });
}

mtia_status_t stream_synchronize(mtia_stream_t stream) noexcept {
  return guard([&] { runtime().lookupStream(stream).exec.synchronize(); });
}

const mtia_streams_ext_v1_t kStreamsExt = {
    sizeof(mtia_streams_ext_v1_t),
    &create_stream,
    &stream_query,
    &stream_synchronize,
};

const void* get_extension(const char* id) noexcept {
  if (id == nullptr) return nullptr;
  if (std::strcmp(id, MTIA_EXT_STREAMS_V1) == 0) return &kStreamsExt;
  if (std::strcmp(id, MTIA_EXT_EXEC_V1) == 0) return execExtension();
  if (std::strcmp(id, MTIA_EXT_EVENTS_V1) == 0) return eventsExtension();
  return nullptr;
}

mtia_plugin_api_t makeTable() noexcept {
  mtia_plugin_api_t t;
  std::memset(&t, 0, sizeof(t));
  t.struct_size = sizeof(mtia_plugin_api_t);
  t.abi_major = MTIA_PLUGIN_ABI_MAJOR;
  t.abi_minor = MTIA_PLUGIN_ABI_MINOR;
  t.plugin_name = kPluginName;
  t.plugin_version = kPluginVersion;

  t.initialize = &initialize;
  t.shutdown = &shutdown;
  t.get_last_error = &mtia::plugin::get_last_error;
  t.get_extension = &get_extension;

  t.lazy_init = &lazy_init;
  t.has_mtia = &has_mtia;
  t.device_count = &device_count;
  t.device_synchronize = &device_synchronize;
  t.show_config = &show_config;
  t.has_primary_context = &has_primary_context;
  t.set_current_device = &set_current_device;
  t.get_current_device = &get_current_device;
  t.exchange_device = &exchange_device;
  t.maybe_exchange_device = &maybe_exchange_device;
  t.is_available = &is_available;

  t.get_current_stream = &get_current_stream;
  t.get_current_raw_stream = &get_current_raw_stream;
  t.get_default_stream = &get_default_stream;
  t.set_current_stream = &set_current_stream;

  t.get_device_capability = &get_device_capability;
  t.get_device_properties = &get_device_properties;
  fillMemorySlots(t);
  fillGraphSlots(t);
  return t;
}

const mtia_plugin_api_t kTable = makeTable();

}  // namespace

}  // namespace mtia_sample

extern "C" MTIA_PLUGIN_EXPORT mtia_status_t mtia_plugin_get_api(const mtia_host_services_t* host,
                                                                const mtia_plugin_api_t** out_api,
                                                                const mtia_sink_t* error) {
  using namespace mtia_sample;
  if (out_api == nullptr) return MTIA_STATUS_INVALID_ARGUMENT;
  try {
    if (host == nullptr || host->abi_major != MTIA_PLUGIN_ABI_MAJOR) {
      write_to(error, std::string("the sample plugin implements MTIA plugin ABI ") +
                          std::to_string(MTIA_PLUGIN_ABI_MAJOR) + "." +
                          std::to_string(MTIA_PLUGIN_ABI_MINOR) + " but the host announces " +
                          (host == nullptr ? std::string("nothing (NULL host services)")
                                           : std::to_string(host->abi_major) + "." +
                                                 std::to_string(host->abi_minor)));
      return MTIA_STATUS_VERSION_MISMATCH;
    }
  } catch (...) {
    return MTIA_STATUS_VERSION_MISMATCH;  // the message could not be built
  }
  // Only the 1.0 fields of the host services are used, whatever the host's minor.
  g_host = host->struct_size >= sizeof(mtia_host_services_t) ? host : nullptr;
  *out_api = &kTable;
  return MTIA_STATUS_OK;
}
