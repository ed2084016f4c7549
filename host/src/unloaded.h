// unloaded.h — the tables an adapter switches to when its plugin is unloaded
// or the process forks.
//
// Every slot is a host function that fails: status slots and getters return
// a failure value, get_last_error() answers UNAVAILABLE with kUnloadedMessage,
// so every hook of a stale adapter throws PluginError instead of calling into
// unmapped code.
#pragma once

#include <mtia/errors.h>
#include <mtia/plugin_abi.h>

namespace mtia::detail {

inline constexpr const char* kUnloadedMessage =
    "the plugin was unloaded (PluginLoader::unload()); load it again to use it";

// The stand-in tables, core and standard extensions.
struct StandIns {
  mtia_plugin_api_t api;
  mtia_streams_ext_v1_t streams;
  mtia_exec_ext_v1_t exec;
  mtia_events_ext_v1_t events;
};
// get_last_error() answers UNAVAILABLE with kUnloadedMessage.
const StandIns& unloadedStandIns() noexcept;
// get_last_error() answers UNAVAILABLE with forkMessage() (fork.h): what the
// atfork child handler copies over a bound adapter's tables.
const StandIns& forkedStandIns() noexcept;
// True for the failure of a stand-in (the plugin was unloaded, or this is a
// forked child): destructors treat it as nothing left to release.
bool isStandInFailure(const PluginError& e) noexcept;

}  // namespace mtia::detail
