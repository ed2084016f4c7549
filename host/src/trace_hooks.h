// trace_hooks.h — the tracing decorator: an MTIAHooksInterface that records
// each call in a TraceSession (trace.h) and forwards it to the adapter.
//
// Chosen at load time (chooseTracing, called once by PluginLoader where it
// hands out its hooks): untraced, the loader hands out the adapter itself, so
// the untraced hot getters are unchanged (no flag, no extra call).
#pragma once

#include "adapter.h"
#include "trace.h"

#include <mtia/hooks.h>
#include <mtia/loader.h>

#include <memory>

namespace mtia::detail {

class TracingHooks final : public MTIAHooksInterface {
 public:
  TracingHooks(const PluginHooks& adapter, TraceSession& session) noexcept
      : adapter_(adapter), session_(&session) {}

  // A later traced load of the same loader may name another file.
  void rebind(TraceSession& session) noexcept { session_ = &session; }

#include "hook_overrides.inc"
  // Not calls into the plugin: forwarded unrecorded. StreamExec and Event
  // reach the plugin through the binding, which carries the session.
  const PluginInfo* pluginInfo() const override { return adapter_.pluginInfo(); }
  std::shared_ptr<const Binding> binding() const override { return adapter_.binding(); }

 private:
  const PluginHooks& adapter_;
  TraceSession* session_;
};

// The hooks a load hands out: with MTIA_TRACE (read through `env`), the
// tracing decorator bound to `adapter` (created in `decorator` on first use,
// rebound on later loads) and the adapter's current binding traced too;
// otherwise the adapter itself. Never throws for tracing's sake: when the
// trace cannot be set up the reason is logged and the adapter is handed out.
const MTIAHooksInterface& chooseTracing(const LoadEnvironment& env, PluginHooks& adapter,
                                        std::unique_ptr<TracingHooks>& decorator) noexcept;

}  // namespace mtia::detail
