#include "unloaded.h"

#include "fork.h"

#include <cstring>
#include <type_traits>

namespace mtia::detail {

namespace {

// The failure value of each result type: -1 for status codes and integer
// getters alike (any non-OK status makes the host ask get_last_error()).
template <class R>
R failure() noexcept {
  if constexpr (std::is_void_v<R>) {
    return;
  } else if constexpr (std::is_same_v<R, bool>) {
    return false;
  } else if constexpr (std::is_same_v<R, mtia_stream_t>) {
    return mtia_stream_t{0, -1, MTIA_DEVICE_TYPE_MTIA};
  } else if constexpr (std::is_pointer_v<R>) {
    return nullptr;
  } else {
    static_assert(std::is_integral_v<R> && std::is_signed_v<R>, "a new result type needs a value");
    return static_cast<R>(-1);
  }
}

template <class Fn>
struct Failing;

template <class R, class... Args>
struct Failing<R (*)(Args...)> {
  static R call(Args...) noexcept { return failure<R>(); }
};

template <class Fn>
constexpr Fn failing(Fn /*slot*/) noexcept {
  return &Failing<Fn>::call;
}

mtia_status_t unloadedLastError(const char** message) noexcept {
  if (message != nullptr) *message = kUnloadedMessage;
  return MTIA_STATUS_UNAVAILABLE;
}

mtia_status_t forkedLastError(const char** message) noexcept {
  if (message != nullptr) *message = forkMessage();
  return MTIA_STATUS_UNAVAILABLE;
}

mtia_plugin_api_t makeTable(mtia_status_t (*last_error)(const char**)) noexcept {
  mtia_plugin_api_t t;
  std::memset(&t, 0, sizeof(t));
  t.struct_size = sizeof(t);
  t.abi_major = MTIA_PLUGIN_ABI_MAJOR;
  t.abi_minor = MTIA_PLUGIN_ABI_MINOR;
  t.plugin_name = "(unloaded)";
  t.plugin_version = "";
  t.get_last_error = last_error;
#define MTIA_FAILING(slot) t.slot = failing(t.slot)
  MTIA_FAILING(initialize);
  MTIA_FAILING(shutdown);
  MTIA_FAILING(get_extension);
  MTIA_FAILING(lazy_init);
  MTIA_FAILING(has_mtia);
  MTIA_FAILING(device_count);
  MTIA_FAILING(device_synchronize);
  MTIA_FAILING(show_config);
  MTIA_FAILING(has_primary_context);
  MTIA_FAILING(set_current_device);
  MTIA_FAILING(get_current_device);
  MTIA_FAILING(exchange_device);
  MTIA_FAILING(maybe_exchange_device);
  MTIA_FAILING(is_available);
  MTIA_FAILING(get_current_stream);
  MTIA_FAILING(get_current_raw_stream);
  MTIA_FAILING(get_default_stream);
  MTIA_FAILING(set_current_stream);
  MTIA_FAILING(is_pinned_ptr);
  MTIA_FAILING(pinned_alloc);
  MTIA_FAILING(pinned_free);
  MTIA_FAILING(device_alloc);
  MTIA_FAILING(device_free);
  MTIA_FAILING(memory_stats);
  MTIA_FAILING(get_device_capability);
  MTIA_FAILING(get_device_properties);
  MTIA_FAILING(empty_cache);
  MTIA_FAILING(record_memory_history);
  MTIA_FAILING(memory_snapshot);
  MTIA_FAILING(reset_peak_memory_stats);
  MTIA_FAILING(attach_oom_observer);
  MTIA_FAILING(graph_create);
  MTIA_FAILING(graph_destroy);
  MTIA_FAILING(graph_capture_begin);
  MTIA_FAILING(graph_capture_end);
  MTIA_FAILING(graph_instantiate);
  MTIA_FAILING(graph_replay);
  MTIA_FAILING(graph_reset);
  MTIA_FAILING(graph_pool);
  MTIA_FAILING(graph_pool_handle);
#undef MTIA_FAILING
  return t;
}

// A standard extension table whose listed slots all fail.
template <class Ext, class... Slot>
Ext makeExtension(Slot Ext::*... slots) noexcept {
  Ext e;
  std::memset(&e, 0, sizeof(e));
  e.struct_size = sizeof(e);
  ((e.*slots = failing(e.*slots)), ...);
  return e;
}

StandIns makeStandIns(mtia_status_t (*last_error)(const char**)) noexcept {
  using Streams = mtia_streams_ext_v1_t;
  using Exec = mtia_exec_ext_v1_t;
  using Events = mtia_events_ext_v1_t;
  return {makeTable(last_error),
          makeExtension(&Streams::create_stream, &Streams::stream_query, &Streams::stream_synchronize),
          makeExtension(&Exec::memset_async, &Exec::memcpy_async, &Exec::launch_host_func),
          makeExtension(&Events::event_create, &Events::event_destroy, &Events::event_record,
                        &Events::stream_wait_event, &Events::event_query, &Events::event_synchronize,
                        &Events::event_elapsed_time)};
}

// Built at load time (static initialisation), never in an atfork handler.
const StandIns g_unloaded = makeStandIns(&unloadedLastError);
const StandIns g_forked = makeStandIns(&forkedLastError);

}  // namespace

const StandIns& unloadedStandIns() noexcept { return g_unloaded; }
const StandIns& forkedStandIns() noexcept { return g_forked; }

bool isStandInFailure(const PluginError& e) noexcept {
  return e.code() == MTIA_STATUS_UNAVAILABLE &&
         (e.message() == kUnloadedMessage || e.message() == forkMessage());
}

}  // namespace mtia::detail
