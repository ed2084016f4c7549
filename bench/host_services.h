// host_services.h — host services for calling a plugin's entry point
// directly (no log sink): the benchmarks' baselines and the bare start-up
// process.
#pragma once

#include <mtia/plugin_abi.h>

namespace mtia_bench {

inline mtia_host_services_t benchHostServices(const char* host_name = "mtia_bench") noexcept {
  mtia_host_services_t services{};
  services.struct_size = sizeof(services);
  services.abi_major = MTIA_PLUGIN_ABI_MAJOR;
  services.abi_minor = MTIA_PLUGIN_ABI_MINOR;
  services.host_name = host_name;
  return services;
}

}  // namespace mtia_bench
