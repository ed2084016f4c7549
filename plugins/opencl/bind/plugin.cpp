// plugin.cpp — the entry point, the table, the lifecycle slots and the
// extension lookup.
#include "bind.h"

#include <dlfcn.h>

#include <cstring>
#include <string>

namespace mtia_ocl {

namespace {

// The OpenCL ICD loader and the drivers it loads have no unload path: their
// platform lists live in globals until the process ends. Unloading this
// plugin must not unmap them (a later load would find them half torn down,
// and their memory would look leaked), so the loader is pinned for the
// process (RTLD_NODELETE), as if the host had linked it.
void pinOpenCl() noexcept {
  if (void* icd = dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_NODELETE)) dlclose(icd);
}

mtia_status_t initialize() noexcept {
  return guard([] {
    if (g_runtime != nullptr) throw Failure(MTIA_STATUS_INVALID_STATE, "already initialised");
    pinOpenCl();
    auto* rt = new Runtime(readConfig());
    g_runtime = rt;
    g_generation.fetch_add(1, std::memory_order_release);
    g_device_count.store(rt->deviceCount(), std::memory_order_release);
    log(MTIA_LOG_DEBUG, "OpenCL platform '" + rt->platform().name + "' with " +
                            std::to_string(rt->deviceCount()) + " device(s)" +
                            (rt->platform().note.empty() ? "" : ": " + rt->platform().note));
  });
}

void shutdown() noexcept {
  g_device_count.store(0, std::memory_order_release);
  clearGraphs();
  clearEvents();
  delete g_runtime;  // finishes every queue first
  g_runtime = nullptr;
  clearOomObservers();
  g_host = nullptr;
}

const void* get_extension(const char* id) noexcept {
  if (id == nullptr) return nullptr;
  if (std::strcmp(id, MTIA_EXT_STREAMS_V1) == 0) return streamsExtension();
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
  fillDeviceSlots(t);
  fillStreamSlots(t);
  fillMemorySlots(t);
  fillGraphSlots(t);
  return t;
}

const mtia_plugin_api_t kTable = makeTable();

}  // namespace

}  // namespace mtia_ocl

extern "C" MTIA_PLUGIN_EXPORT mtia_status_t mtia_plugin_get_api(const mtia_host_services_t* host,
                                                                const mtia_plugin_api_t** out_api,
                                                                const mtia_sink_t* error) {
  using namespace mtia_ocl;
  if (out_api == nullptr) return MTIA_STATUS_INVALID_ARGUMENT;
  try {
    if (host == nullptr || host->abi_major != MTIA_PLUGIN_ABI_MAJOR) {
      write_to(error, std::string("the OpenCL plugin implements MTIA plugin ABI ") +
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
