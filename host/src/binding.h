// binding.h — one load of a plugin, as the objects the host hands out see it.
//
// A PluginLoader keeps one adapter for its whole life and binds it to each
// plugin it loads, so load/unload cycles do not accumulate adapters. What a
// StreamExec, Event, MTIAGraph or pinned DataPtr created under one load must
// never do is reach the next load's plugin with a handle of the old one: each
// holds the Binding of its load (shared ownership, so the object stays safe
// even after the loader itself is gone). unload() marks the Binding Unloaded;
// in a forked child every live Binding is marked Forked.
#pragma once

#include <atomic>
#include <string>

namespace mtia::detail {

class PluginHooks;
class TraceSession;

class Binding {
 public:
  enum class State : int { Live, Unloaded, Forked };
  static_assert(std::atomic<State>::is_always_lock_free, "set from an atfork child handler");

  Binding(const PluginHooks& hooks, std::string plugin) : hooks_(&hooks), plugin_(std::move(plugin)) {}

  // The adapter, to make a call on behalf of `hook`. Throws PluginError
  // (UNAVAILABLE, "the plugin was unloaded ...") once this load is over. In a
  // forked child the adapter is returned: its stand-in tables fail the call
  // with the fork message.
  const PluginHooks& live(const char* hook) const;
  // True while calls may reach the plugin; destructors skip their release
  // (a safe no-op) otherwise.
  bool usable() const noexcept { return state_.load(std::memory_order_acquire) == State::Live; }
  // unload() (normal context) and the atfork child handler (one lock-free
  // atomic store, async-signal-safe).
  void setState(State state) noexcept { state_.store(state, std::memory_order_release); }
  const std::string& plugin() const noexcept { return plugin_; }
  // The trace (MTIA_TRACE) that the wrappers record their calls in, or
  // nullptr: set by the loader before it hands out the hooks of this load.
  TraceSession* trace() const noexcept { return trace_; }
  void setTrace(TraceSession* trace) noexcept { trace_ = trace; }

 private:
  const PluginHooks* hooks_;  // valid while Live or Forked (the loader outlives its loads)
  const std::string plugin_;
  std::atomic<State> state_{State::Live};
  TraceSession* trace_ = nullptr;
};

}  // namespace mtia::detail
