// registry.cpp — the process-wide hooks: one load, on first use, never undone.
#include <mtia/hooks.h>
#include <mtia/loader.h>

#include "compiler.h"
#include "discovery.h"
#include "log.h"

#include <sys/auxv.h>

#include <atomic>
#include <cstdlib>
#include <mutex>

namespace mtia {

namespace {

std::atomic<const MTIAHooksInterface*> g_hooks{nullptr};
std::once_flag g_once;
const GlobalLoadStatus* g_status = nullptr;  // written once inside call_once

// Runs once. Everything it creates is leaked on purpose: unloading a plugin
// from static destructors is the classic crash at exit.
void loadGlobal() {
  auto* status = new GlobalLoadStatus();
  const MTIAHooksInterface* hooks = nullptr;
  const auto path = detail::configuredPluginPath();
  if (!path) {
    if (getauxval(AT_SECURE) != 0 && std::getenv(detail::kPluginPathVariable) != nullptr) {
      status->reason =
          "No MTIA plugin is configured: MTIA_PLUGIN_PATH is ignored in a setuid/setgid "
          "(secure-execution) process.";
      detail::logger().warn("{}", status->reason);
    } else {
      status->reason =
          "No MTIA plugin is configured: set MTIA_PLUGIN_PATH to the absolute path of an MTIA "
          "plugin library.";
    }
  } else {
    status->configured = true;
    status->path = *path;
    auto* loader = new PluginLoader();
    try {
      hooks = &loader->load(*path);
      status->loaded = true;
    } catch (const std::exception& e) {
      status->reason = std::string("The MTIA plugin failed to load: ") + e.what();
      detail::logger().error("{}", e.what());
      delete loader;
    }
  }
  if (hooks == nullptr) hooks = new MTIAHooksInterface(status->reason);
  g_status = status;
  g_hooks.store(hooks, std::memory_order_release);
}

}  // namespace

const MTIAHooksInterface& getMTIAHooks() {
  const MTIAHooksInterface* hooks = g_hooks.load(std::memory_order_acquire);
  if (MTIA_LIKELY(hooks != nullptr)) return *hooks;
  std::call_once(g_once, loadGlobal);
  return *g_hooks.load(std::memory_order_acquire);
}

bool isMTIAHooksBuilt() {
  getMTIAHooks();
  return g_status->loaded;
}

GlobalLoadStatus globalLoadStatus() {
  getMTIAHooks();
  return *g_status;
}

}  // namespace mtia
