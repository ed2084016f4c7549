// plugin.cpp — the entry point, the function table and the lifecycle slots.
// Start reading here; each group's slots are in the file named after it.
#include "binding.h"

#include <cstring>

namespace sample {

static const mtia_host_services_t* g_host = nullptr;  // from the entry point to unload

static const mtia_streams_ext_v1_t kStreams = makeStreamsExt();
static const mtia_exec_ext_v1_t kExec = makeExecExt();
static const mtia_events_ext_v1_t kEvents = makeEventsExt();

static mtia_plugin_api_t makeTable() noexcept {
  mtia_plugin_api_t t{};  // a slot left out stays NULL: "not implemented"
  t.struct_size = sizeof(mtia_plugin_api_t);
  t.abi_major = MTIA_PLUGIN_ABI_MAJOR;
  t.abi_minor = MTIA_PLUGIN_ABI_MINOR;
  t.plugin_name = kPluginName;
  t.plugin_version = kPluginVersion;
  t.initialize = []() noexcept {
    return slot([] {
      sim::init();
      if (g_host != nullptr && g_host->log != nullptr) {
        const std::string message = str("initialised with ", sim::config().device_count, " devices");
        g_host->log(g_host->host_data, MTIA_LOG_DEBUG, message.c_str());
      }
    });
  };
  t.shutdown = []() noexcept {
    sim::shutdown();  // never throws: it only stops, joins and frees
    g_host = nullptr;
  };
  t.get_last_error = &mtia::plugin::get_last_error;
  t.get_extension = [](const char* id) noexcept -> const void* {
    if (id == nullptr) return nullptr;
    if (std::strcmp(id, MTIA_EXT_STREAMS_V1) == 0) return &kStreams;
    if (std::strcmp(id, MTIA_EXT_EXEC_V1) == 0) return &kExec;
    if (std::strcmp(id, MTIA_EXT_EVENTS_V1) == 0) return &kEvents;
    return nullptr;
  };
  addDeviceSlots(t);
  addStreamSlots(t);
  addMemorySlots(t);
  addGraphSlots(t);
  return t;
}

const mtia_plugin_api_t kTable = makeTable();

}  // namespace sample

// The one exported symbol. It refuses a host of another major version with a
// message naming both versions; otherwise it hands out the static table.
extern "C" MTIA_PLUGIN_EXPORT mtia_status_t mtia_plugin_get_api(const mtia_host_services_t* host,
                                                                const mtia_plugin_api_t** out_api,
                                                                const mtia_sink_t* error) {
  using namespace sample;
  if (out_api == nullptr) return MTIA_STATUS_INVALID_ARGUMENT;
  if (host == nullptr || host->abi_major != MTIA_PLUGIN_ABI_MAJOR) {
    return slot([&] {
      write_to(error, str("the sample plugin implements MTIA plugin ABI ", MTIA_PLUGIN_ABI_MAJOR, ".",
                          MTIA_PLUGIN_ABI_MINOR, " but the host announces ",
                          host == nullptr ? std::string("nothing (NULL host services)")
                                          : str(host->abi_major, ".", host->abi_minor)));
      throw Failure(MTIA_STATUS_VERSION_MISMATCH, "unsupported host");
    });
  }
  // Only the 1.0 fields of the host services are used, whatever the host's minor.
  g_host = host->struct_size >= sizeof(mtia_host_services_t) ? host : nullptr;
  *out_api = &kTable;
  return MTIA_STATUS_OK;
}
