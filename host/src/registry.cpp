// registry.cpp — the process-wide hooks: one load, on first use, never undone.
#include <mtia/hooks.h>
#include <mtia/loader.h>

#include "discovery.h"
#include "fork.h"
#include "log.h"
#include "reentry.h"

#include <atomic>
#include <mutex>

namespace mtia {

namespace inline_api {
std::atomic<const MTIAHooksInterface*> g_published_hooks{nullptr};
static_assert(std::atomic<const MTIAHooksInterface*>::is_always_lock_free,
              "steady-state getMTIAHooks() must be a lock-free load");
}  // namespace inline_api

namespace {

using inline_api::g_published_hooks;
std::once_flag g_once;
const GlobalLoadStatus* g_status = nullptr;  // written once inside call_once
PluginLoader* g_loader = nullptr;            // ditto; keeps the plugin reachable

// Publishes the status and the hooks (the stub, with the status's reason,
// when `hooks` is nullptr).
void publish(const GlobalLoadStatus* status, const MTIAHooksInterface* hooks) {
  if (hooks == nullptr) hooks = new MTIAHooksInterface(status->reason);
  g_status = status;
  g_published_hooks.store(hooks, std::memory_order_release);
}

// Runs once. Everything it creates is leaked on purpose: unloading a plugin
// from static destructors is the classic crash at exit.
void loadGlobal() {
  detail::setGlobalLoadRunning(true);
  auto* status = new GlobalLoadStatus();
  g_loader = new PluginLoader();
  const MTIAHooksInterface* hooks = nullptr;
  try {
    hooks = &g_loader->loadFromEnvironment();
    status->configured = true;
    status->loaded = true;
  } catch (const LoadError& e) {
    if (e.step() == LoadStep::Configure) {
      status->reason = detail::noPluginReason(e.cause(), g_loader->lastReport());
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
  publish(status, hooks);
  detail::setGlobalLoadRunning(false);
}

// The process forked while another thread of the parent ran loadGlobal():
// that thread does not exist here, so g_once would never complete.
std::once_flag g_forked_once;
void loadForkedChild() {
  auto* status = new GlobalLoadStatus();
  status->configured = true;
  status->reason = "The MTIA plugin failed to load: the process forked (parent pid " +
                   std::to_string(detail::forkParentPid()) +
                   ") while another thread was loading the MTIA plugin, so this child never "
                   "got it: Cannot re-initialize MTIA in forked subprocess. To use MTIA with "
                   "multiprocessing, you must use the 'spawn' start method";
  publish(status, nullptr);
}

}  // namespace

const MTIAHooksInterface& inline_api::loadMTIAHooks() {
  if (detail::noteReentry()) {
    // Called by plugin code inside a load on this thread: entering g_once
    // would wait for itself. The load fails (reentry.h); the caller gets a stub.
    static const auto* reentered = new MTIAHooksInterface(
        "getMTIAHooks() was called by MTIA plugin code while the plugin was being loaded on "
        "this thread (re-entry); that load fails");
    return *reentered;
  }
  if (detail::forkInterruptedGlobalLoad()) {
    std::call_once(g_forked_once, loadForkedChild);
  } else {
    std::call_once(g_once, loadGlobal);
  }
  return *g_published_hooks.load(std::memory_order_acquire);
}

bool isMTIAHooksBuilt() {
  getMTIAHooks();
  return g_status != nullptr && g_status->loaded;
}

GlobalLoadStatus globalLoadStatus() {
  getMTIAHooks();
  if (g_status == nullptr) return GlobalLoadStatus{};  // only during a re-entrant call
  return *g_status;
}

}  // namespace mtia
