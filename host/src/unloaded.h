// unloaded.h — the table an adapter switches to when its plugin is unloaded.
//
// Every slot is a host function that fails: status slots and getters return
// a failure value, get_last_error() answers UNAVAILABLE with kUnloadedMessage,
// so every hook of a stale adapter throws PluginError instead of calling into
// unmapped code.
#pragma once

#include <mtia/plugin_abi.h>

namespace mtia::detail {

inline constexpr const char* kUnloadedMessage =
    "the plugin was unloaded (PluginLoader::unload()); load it again to use it";

const mtia_plugin_api_t& unloadedTable() noexcept;
const mtia_streams_ext_v1_t& unloadedStreamsExtension() noexcept;

}  // namespace mtia::detail
