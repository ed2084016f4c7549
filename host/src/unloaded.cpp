#include "unloaded.h"

#include "fork.h"

#include <cstddef>
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

// Every slot of the core table in table order: the minor that added it, and
// what a NULL slot means to the adapter: Absent (calling its hook is the
// absent-slot PluginError(NOT_SUPPORTED); the required device slots, never
// NULL after validation, count as Absent too) or Kept (left as it is: the
// loader's lifecycle slots, get_last_error, which the failure path itself
// calls, and the slots whose NULL has a meaning: "no extensions", "nothing to
// initialise", "true"). The failing and the absent stand-ins are made from
// this one list; a slot missing from it fails the static_assert below.
#define MTIA_CORE_SLOTS(X)                                                                   \
  X(initialize, 0, Kept) X(shutdown, 0, Kept) X(get_last_error, 0, Kept)                    \
  X(get_extension, 0, Kept) X(lazy_init, 0, Kept) X(has_mtia, 0, Kept)                      \
  X(device_count, 0, Absent) X(device_synchronize, 0, Absent) X(show_config, 0, Absent)     \
  X(has_primary_context, 0, Absent) X(set_current_device, 0, Absent)                        \
  X(get_current_device, 0, Absent) X(exchange_device, 0, Absent)                            \
  X(maybe_exchange_device, 0, Absent) X(is_available, 0, Kept)                              \
  X(get_current_stream, 0, Absent) X(get_current_raw_stream, 0, Absent)                     \
  X(get_default_stream, 0, Absent) X(set_current_stream, 0, Absent)                         \
  X(is_pinned_ptr, 0, Absent) X(pinned_alloc, 0, Absent) X(pinned_free, 0, Absent)          \
  X(device_alloc, 0, Absent) X(device_free, 0, Absent) X(memory_stats, 0, Absent)           \
  X(get_device_capability, 0, Absent) X(get_device_properties, 0, Absent)                   \
  X(empty_cache, 0, Absent) X(record_memory_history, 0, Absent)                             \
  X(memory_snapshot, 0, Absent) X(reset_peak_memory_stats, 0, Absent)                       \
  X(attach_oom_observer, 0, Absent) X(graph_create, 0, Absent) X(graph_destroy, 0, Absent)  \
  X(graph_capture_begin, 0, Absent) X(graph_capture_end, 0, Absent)                         \
  X(graph_instantiate, 0, Absent) X(graph_replay, 0, Absent) X(graph_reset, 0, Absent)      \
  X(graph_pool, 0, Absent) X(graph_pool_handle, 1, Absent)

#define MTIA_COUNT_SLOT(slot, minor, null) +1
static_assert((0 MTIA_CORE_SLOTS(MTIA_COUNT_SLOT)) * sizeof(void (*)()) ==
                  sizeof(mtia_plugin_api_t) - offsetof(mtia_plugin_api_t, initialize),
              "MTIA_CORE_SLOTS lists every slot of mtia_plugin_api_t");
#undef MTIA_COUNT_SLOT

// An absent slot's stand-in: throws which slot it stands in for.
template <class Fn, const AbsentSlot* Which>
struct Absent;

template <class R, class... Args, const AbsentSlot* Which>
struct Absent<R (*)(Args...), Which> {
  [[noreturn]] static R call(Args...) { throw *Which; }
};

mtia_plugin_api_t makeAbsentTable() noexcept {
  mtia_plugin_api_t t;
  std::memset(&t, 0, sizeof(t));
#define MTIA_ABSENT_Kept(slot, minor)
#define MTIA_ABSENT_Absent(slot, minor)                      \
  {                                                          \
    static constexpr AbsentSlot which{#slot, minor};         \
    t.slot = &Absent<decltype(t.slot), &which>::call;        \
  }
#define MTIA_ABSENT(slot, minor, null) MTIA_ABSENT_##null(slot, minor)
  MTIA_CORE_SLOTS(MTIA_ABSENT)
#undef MTIA_ABSENT
#undef MTIA_ABSENT_Absent
#undef MTIA_ABSENT_Kept
  return t;
}

mtia_plugin_api_t makeTable(mtia_status_t (*last_error)(const char**)) noexcept {
  mtia_plugin_api_t t;
  std::memset(&t, 0, sizeof(t));
  t.struct_size = sizeof(t);
  t.abi_major = MTIA_PLUGIN_ABI_MAJOR;
  t.abi_minor = MTIA_PLUGIN_ABI_MINOR;
  t.plugin_name = "(unloaded)";
  t.plugin_version = "";
#define MTIA_FAILING(slot, minor, null) t.slot = failing(t.slot);
  MTIA_CORE_SLOTS(MTIA_FAILING)
#undef MTIA_FAILING
  t.get_last_error = last_error;
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
const mtia_plugin_api_t g_absent = makeAbsentTable();

}  // namespace

const StandIns& unloadedStandIns() noexcept { return g_unloaded; }
const StandIns& forkedStandIns() noexcept { return g_forked; }
const mtia_plugin_api_t& absentSlots() noexcept { return g_absent; }

void bindAbsentSlots(mtia_plugin_api_t& table) noexcept {
  const auto bind = [](auto& slot, auto stand_in) {
    if (slot == nullptr) slot = stand_in;
  };
#define MTIA_BIND_Kept(slot)
#define MTIA_BIND_Absent(slot) bind(table.slot, g_absent.slot);
#define MTIA_BIND(slot, minor, null) MTIA_BIND_##null(slot)
  MTIA_CORE_SLOTS(MTIA_BIND)
#undef MTIA_BIND
#undef MTIA_BIND_Absent
#undef MTIA_BIND_Kept
}

bool isStandInFailure(const PluginError& e) noexcept {
  return e.code() == MTIA_STATUS_UNAVAILABLE &&
         (e.message() == kUnloadedMessage || e.message() == forkMessage());
}

}  // namespace mtia::detail
