// host_process.cpp — the "host" process of the start-up row (bench/startup/
// harness.cpp): an application linking libmtia_host that loads the plugin
// named by MTIA_PLUGIN_PATH through getMTIAHooks(), and exits.
#include <mtia/hooks.h>

#include <cstdio>

int main() {
  const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
  if (!mtia::isMTIAHooksBuilt()) {
    std::fprintf(stderr, "mtia_startup_host: %s\n", hooks.unavailableReason().c_str());
    return 1;
  }
  return 0;
}
