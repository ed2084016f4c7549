// registry.cpp — the process-wide hooks: one load, on first use, never undone.
#include <mtia/hooks.h>
#include <mtia/loader.h>

#include "discovery.h"
#include "log.h"

#include <atomic>
#include <mutex>

namespace mtia {

namespace detail {
std::atomic<const MTIAHooksInterface*> g_published_hooks{nullptr};
static_assert(std::atomic<const MTIAHooksInterface*>::is_always_lock_free,
              "steady-state getMTIAHooks() must be a lock-free load");
}  // namespace detail

namespace {

using detail::g_published_hooks;
std::once_flag g_once;
const GlobalLoadStatus* g_status = nullptr;  // written once inside call_once
PluginLoader* g_loader = nullptr;            // ditto; keeps the plugin reachable

// Runs once. Everything it creates is leaked on purpose: unloading a plugin
// from static destructors is the classic crash at exit.
void loadGlobal() {
  auto* status = new GlobalLoadStatus();
  g_loader = new PluginLoader();
  const MTIAHooksInterface* hooks = nullptr;
  try {
    hooks = &g_loader->loadFromEnvironment();
    status->configured = true;
    status->loaded = true;
  } catch (const LoadError& e) {
    if (e.step() == LoadStep::Configure) {
      status->reason = std::string("No MTIA plugin is configured: ") +
                       (e.cause() == detail::kIgnoredInSecureMode
                            ? e.cause() + "."
                            : "set MTIA_PLUGIN_PATH to the absolute path of an MTIA plugin library.");
    } else {
      status->configured = true;
      status->reason = std::string("The MTIA plugin failed to load: ") + e.what() + "\n" +
                       g_loader->lastReport().toText();
      detail::logger().error("{}", e.what());
    }
  } catch (const std::exception& e) {  // e.g. out of memory while loading
    status->configured = true;
    status->reason = std::string("The MTIA plugin failed to load: ") + e.what();
    detail::logger().error("{}", status->reason);
  } catch (...) {  // load() throws only LoadError; never let call_once see anything else
    status->configured = true;
    status->reason = "The MTIA plugin failed to load: an exception of unknown type";
    detail::logger().error("{}", status->reason);
  }
  status->report = g_loader->lastReport();
  status->path = status->report.path_given;
  if (hooks == nullptr) hooks = new MTIAHooksInterface(status->reason);
  g_status = status;
  g_published_hooks.store(hooks, std::memory_order_release);
}

}  // namespace

const MTIAHooksInterface& detail::loadMTIAHooks() {
  std::call_once(g_once, loadGlobal);
  return *g_published_hooks.load(std::memory_order_acquire);
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
