// unloaded.h — the host functions an adapter binds in place of plugin code:
// for every slot when its plugin is unloaded or the process forks, and for
// the absent (NULL) optional slots of a loaded plugin.
//
// Unloaded and forked: every slot is a host function that fails: status
// slots and getters return a failure value, get_last_error() answers
// UNAVAILABLE with kUnloadedMessage (or the fork message), so every hook of a
// stale adapter throws PluginError instead of calling into unmapped code.
//
// Absent: bound at attach, so that a hook makes its one indirect call with no
// NULL check first; the stand-in throws AbsentSlot, which the adapter's catch
// around every slot call (PluginHooks::escaped) turns into the absent-slot
// PluginError naming the hook and the slot.
#pragma once

#include <mtia/errors.h>
#include <mtia/plugin_abi.h>

#include <cstdint>

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
// What an absent slot's stand-in throws (a host-internal type, never seen
// outside the adapter): the slot and the minor that added it.
struct AbsentSlot {
  const char* slot;
  uint32_t minor;
};
// Binds each NULL slot whose absence makes its hook fail (every slot but the
// loader's lifecycle slots and those whose NULL has a meaning: get_extension,
// lazy_init, has_mtia, is_available) to its stand-in.
void bindAbsentSlots(mtia_plugin_api_t& table) noexcept;
// The stand-ins bindAbsentSlots binds: `table.slot == absentSlots().slot`
// tells a hook that must fail before it checks its arguments.
const mtia_plugin_api_t& absentSlots() noexcept;
// True for the failure of a stand-in (the plugin was unloaded, or this is a
// forked child): destructors treat it as nothing left to release.
bool isStandInFailure(const PluginError& e) noexcept;

}  // namespace mtia::detail
