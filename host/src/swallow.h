// swallow.h — the host's one "run, log, swallow", for destructors, deleters,
// unload paths and callbacks that must not throw.
//
// runLogged(context, fn) runs fn(); whatever it throws is caught and logged
// once as "<context>: <error>" (a PluginError's what() names the plugin and
// the hook), then swallowed. A stand-in failure (the plugin was unloaded, or
// this is a forked child) is not logged: there was nothing left to do. Never
// throws, not even when logging fails.
#pragma once

#include <spdlog/common.h>

namespace mtia::detail {

// Inside a catch block: logs the exception being handled as runLogged does.
void logSwallowed(const char* context, spdlog::level::level_enum level) noexcept;

template <class Fn>
void runLogged(const char* context, Fn&& fn,
               spdlog::level::level_enum level = spdlog::level::err) noexcept {
  try {
    fn();
  } catch (...) {
    logSwallowed(context, level);
  }
}

}  // namespace mtia::detail
