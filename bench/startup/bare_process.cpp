// bare_process.cpp — the baseline process of the start-up row (bench/startup/
// harness.cpp): no libmtia_host, only dlopen + dlsym + the entry call of the
// plugin named by MTIA_PLUGIN_PATH, then the plugin's initialize(), and exit.
// initialize() is the plugin's own work, which the host's load runs too: in a
// fresh process it is not the few microseconds of Load/plugin_init but about
// 120,000 instructions (the sample's first iostream use builds libstdc++'s
// locale), so leaving it out made the host look that much dearer.
#include "../host_services.h"

#include <mtia/plugin_abi.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

int main() {
  const char* path = std::getenv("MTIA_PLUGIN_PATH");
  void* handle = path != nullptr ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : nullptr;
  auto entry = reinterpret_cast<mtia_plugin_get_api_fn>(
      handle != nullptr ? dlsym(handle, MTIA_PLUGIN_ENTRY_SYMBOL) : nullptr);
  const mtia_host_services_t services = mtia_bench::benchHostServices("mtia_startup_bare");
  const mtia_plugin_api_t* api = nullptr;
  if (entry == nullptr || entry(&services, &api, nullptr) != MTIA_STATUS_OK || api == nullptr ||
      api->initialize == nullptr || api->initialize() != MTIA_STATUS_OK) {
    std::fprintf(stderr, "mtia_startup_bare: cannot load %s\n", path != nullptr ? path : "(unset)");
    return 1;
  }
  return 0;
}
