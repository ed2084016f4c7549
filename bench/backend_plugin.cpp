// backend_plugin.cpp — libmtia_bench_plugin.so: the benchmark backend
// (backend.h) as a plugin, the plugin behind the judged Host/<hook> rows.
// Its hot slots are the backend's functions with the ABI's failure report (a
// recorded last error and the failure value); bench/CMakeLists.txt compiles
// it with the LibSameTLS library's options, so the host's rows and the
// baseline they are judged against run the same code. Exports one symbol.
// A benchmark fixture, not a reference: docs/plugin-guide.md is about
// sample_plugin/.
#include "backend.h"

#include <mtia/plugin_abi.h>

#include <cstring>

namespace mtia_bench {

namespace {

constexpr int32_t kDevices = 2;

struct LastError {
  mtia_status_t code = MTIA_STATUS_OK;
  const char* message = nullptr;
};
thread_local LastError t_last_error;

[[gnu::cold, gnu::noinline]] void recordError(mtia_status_t code, const char* message) noexcept {
  t_last_error = {code, message};
}

constexpr auto kRecord = [](auto failed, mtia_status_t code, const char* message) noexcept {
  recordError(code, message);
  return failed;
};

mtia_status_t initialize() noexcept {
  initBackend(kDevices);
  return MTIA_STATUS_OK;
}

mtia_status_t get_last_error(const char** message) noexcept {
  if (message != nullptr) *message = t_last_error.message;
  return t_last_error.code;
}

int32_t device_count() noexcept { return g_backend.device_count; }

// The hot slots.
int32_t has_primary_context(int32_t device) noexcept { return backendHasPrimaryContext(device, kRecord); }
mtia_status_t set_current_device(int32_t device) noexcept { return backendSetCurrentDevice(device, kRecord); }
int32_t get_current_device() noexcept { return backendGetCurrentDevice(); }
int32_t exchange_device(int32_t device) noexcept { return backendExchangeDevice(device, kRecord); }
int32_t maybe_exchange_device(int32_t device) noexcept {
  return backendMaybeExchangeDevice(device, kRecord);
}
mtia_stream_t get_current_stream(int32_t device) noexcept { return backendGetCurrentStream(device, kRecord); }
int64_t get_current_raw_stream(int32_t device) noexcept {
  return backendGetCurrentRawStream(device, kRecord);
}
mtia_stream_t get_default_stream(int32_t device) noexcept { return backendGetDefaultStream(device, kRecord); }
mtia_status_t set_current_stream(mtia_stream_t stream) noexcept {
  return backendSetCurrentStream(stream, kRecord);
}

// "mtia.streams/1": createStream only (the fixtures create one stream).
mtia_status_t create_stream(int32_t device, int32_t /*priority*/, mtia_stream_t* out) noexcept {
  if (out == nullptr) return MTIA_STATUS_INVALID_ARGUMENT;
  *out = backendCreateStream(device, kRecord);
  return out->device_index < 0 ? t_last_error.code : MTIA_STATUS_OK;
}

mtia_streams_ext_v1_t makeStreams() noexcept {
  mtia_streams_ext_v1_t e;
  std::memset(&e, 0, sizeof(e));
  e.struct_size = sizeof(e);
  e.create_stream = &create_stream;
  return e;
}
const mtia_streams_ext_v1_t kStreams = makeStreams();

const void* get_extension(const char* id) noexcept {
  return id != nullptr && std::strcmp(id, MTIA_EXT_STREAMS_V1) == 0 ? &kStreams : nullptr;
}

mtia_plugin_api_t makeTable() noexcept {
  mtia_plugin_api_t t;
  std::memset(&t, 0, sizeof(t));
  t.struct_size = sizeof(t);
  t.abi_major = MTIA_PLUGIN_ABI_MAJOR;
  t.abi_minor = MTIA_PLUGIN_ABI_MINOR;
  t.plugin_name = "mtia-bench-backend";
  t.plugin_version = "1";
  t.initialize = &initialize;
  t.get_last_error = &get_last_error;
  t.get_extension = &get_extension;
  t.device_count = &device_count;
  t.has_primary_context = &has_primary_context;
  t.set_current_device = &set_current_device;
  t.get_current_device = &get_current_device;
  t.exchange_device = &exchange_device;
  t.maybe_exchange_device = &maybe_exchange_device;
  t.get_current_stream = &get_current_stream;
  t.get_current_raw_stream = &get_current_raw_stream;
  t.get_default_stream = &get_default_stream;
  t.set_current_stream = &set_current_stream;
  return t;
}
const mtia_plugin_api_t kTable = makeTable();

}  // namespace

}  // namespace mtia_bench

extern "C" MTIA_PLUGIN_EXPORT mtia_status_t mtia_plugin_get_api(const mtia_host_services_t* host,
                                                                const mtia_plugin_api_t** out_api,
                                                                const mtia_sink_t* /*error*/) {
  if (out_api == nullptr) return MTIA_STATUS_INVALID_ARGUMENT;
  if (host == nullptr || host->abi_major != MTIA_PLUGIN_ABI_MAJOR) return MTIA_STATUS_VERSION_MISMATCH;
  *out_api = &mtia_bench::kTable;
  return MTIA_STATUS_OK;
}
