/*
 * mtia/plugin_abi.h — the MTIA backend plugin ABI, version 1.2.
 *
 * This header is the whole contract between an MTIA plugin host and a backend
 * plugin. It is plain C (C11 or C++17), depends only on the C standard library
 * and is all a vendor needs to build a plugin. The comments here are
 * normative: every rule a plugin or a host must follow is written in this
 * file ("must", "may", "never"); docs/abi.md explains the same rules in prose
 * and gives their history, and where the two differ this header wins.
 *
 * Conventions used on every slot ("MT" = may be called from any thread
 * concurrently; "TL" = acts on, or reads, the calling thread's state (its
 * current device or current stream); "ONCE" = called by the host exactly
 * once, never concurrently with any other slot):
 *   - Device indices cross as int32_t and are range-checked by the plugin.
 *     -1 means the calling thread's current device exactly where a slot says
 *     "(-1: current device)"; everywhere else it is out of range.
 *     An MT slot given -1 reads the calling thread's current device for it
 *     and is MT otherwise.
 *   - Slots are optional unless marked REQUIRED. A slot is present only if it
 *     lies inside the table's struct_size and is non-NULL; the host never
 *     calls an absent slot. An absent optional slot never fails the load: the
 *     host hook that needs it fails with MTIA_STATUS_NOT_SUPPORTED naming the
 *     slot, except where a slot documents a fallback (lazy_init, has_mtia,
 *     is_available). The same holds for the slots of extension tables.
 *   - A slot returning mtia_status_t returns MTIA_STATUS_OK (0) on success.
 *     On failure it returns another code and leaves a message that the host
 *     reads at once, on the same thread, with get_last_error(). A failure
 *     reported while get_last_error() says MTIA_STATUS_OK is treated by the
 *     host as MTIA_STATUS_INTERNAL ("set no error"); the values of the codes
 *     never change.
 *   - Hot getters return their result as the function's value (no
 *     out-parameter, no status code); a negative result (or a stream whose
 *     device_index is negative) signals failure, with the code and message
 *     again available from get_last_error(). The host never calls
 *     get_last_error() on success. (On the System V x86-64 and AArch64
 *     calling conventions every hot result, mtia_stream_t included, comes
 *     back in registers; on Microsoft x64 an mtia_stream_t (16 bytes) is
 *     returned through a hidden pointer the caller provides, integer and bool
 *     results in RAX. The rule above is what the ABI promises; registers are
 *     a property of the platform.)
 *   - Results are checked by the host: a returned device index (including a
 *     returned stream's device_index) must be below device_count(), and
 *     device_count() must lie in 0..127 (PyTorch's DeviceIndex is int8_t); a
 *     returned stream's device_type must be MTIA_DEVICE_TYPE_MTIA. The host
 *     turns a violation into an error naming the hook.
 *   - Strings are UTF-8 and NUL-terminated. A `const char*` argument is owned
 *     by the caller and valid for the duration of the call only. Text results
 *     (JSON) are written into an mtia_sink_t provided by the host; the plugin
 *     never returns memory the host must free, and vice versa: memory is freed
 *     only by the side that allocated it (pinned and device memory go back
 *     through pinned_free / device_free).
 *   - Text from the plugin is untrusted input to the host: a message (error,
 *     log line) longer than 64 KiB is cut, invalid UTF-8 is replaced, and one
 *     JSON result longer than 64 MiB fails its hook. A JSON result is one
 *     object, without NUL bytes or duplicate keys, at most 64 levels deep.
 *   - No C++ exception, longjmp or signal may cross this boundary in either
 *     direction. Every callback the host hands the plugin (the log service,
 *     sinks, the OOM observer) returns normally; a C++ plugin catches
 *     everything in every slot (<mtia/plugin_support.hpp> makes it one line).
 *   - fork(): a plugin is unusable in a forked child. The child must call no
 *     slot at all, shutdown included (a child has only the forking thread; a
 *     plugin's worker threads and its runtime's driver state stay with the
 *     parent, as with CUDA). Hosts fail such calls themselves
 *     (docs/loading.md); a plugin needs no fork handler.
 *
 * Growth rules: the major version changes only for incompatible changes. A
 * minor version only appends fields to the end of a struct; a field is never
 * removed, reordered or retyped (a retired slot stays as a NULL slot). Each
 * appended field is marked with the minor version that added it.
 * Negotiation: a host accepts a table whose abi_major equals its own and whose
 * abi_minor is at least the oldest minor it supports. A table claiming minor
 * m must be at least MTIA_PLUGIN_API_SIZE_1_<m> bytes; a table claiming a
 * minor newer than the host's must be at least the host's whole table. The
 * host reads only the slots of the minor the table claims (a 1.0 table with a
 * larger struct_size still has no 1.1 slot) and ignores slots it does not
 * know. A plugin built for a newer minor than host->abi_minor must not use
 * host services or host behaviour newer than that minor.
 *
 * Why the slots act on process-global state (the calling thread's current
 * device and stream) instead of taking a context handle: the table mirrors
 * PyTorch's MTIAHooksInterface, whose methods take no handle, and CUDA's
 * runtime model (current device per thread). A handle in every call would be
 * one more argument the host must carry from a place that has none, and the
 * hot getters would pay for it. The cost: one plugin instance per process
 * (the host loads a library at most once), and per-thread state that the
 * plugin must keep itself (thread-local storage in the plugin).
 *
 * Why positional arguments instead of argument structs (PJRT's style): each
 * slot is one plain C call whose arguments travel in registers (the first
 * four to eight, by platform), which the hot getters need (one indirect call,
 * no memory traffic). The cost: a slot's
 * signature can never grow; a changed signature is a new slot appended under
 * a new name in a new minor (or a new extension id), and the old slot stays.
 */
#ifndef MTIA_PLUGIN_ABI_H
#define MTIA_PLUGIN_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions                                                                  */
/* ------------------------------------------------------------------------ */

#define MTIA_PLUGIN_ABI_MAJOR 1
#define MTIA_PLUGIN_ABI_MINOR 2

/* Size of a struct up to and including `member`: the struct_size of a table
 * built when `member` was its last field (C11 and C++17; an integer constant
 * expression). */
#if defined(__cplusplus)
#define MTIA_STRUCT_SIZE_THROUGH(type, member) (offsetof(type, member) + sizeof(type::member))
#else
#define MTIA_STRUCT_SIZE_THROUGH(type, member) \
  (offsetof(type, member) + sizeof(((type*)0)->member))
#endif

/* The one symbol a plugin exports (see mtia_plugin_get_api_fn below). */
#define MTIA_PLUGIN_ENTRY_SYMBOL "mtia_plugin_get_api"

#if defined(_WIN32)
#define MTIA_PLUGIN_EXPORT __declspec(dllexport)
#else
#define MTIA_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

typedef int32_t mtia_status_t;

#define MTIA_STATUS_OK 0
#define MTIA_STATUS_INVALID_ARGUMENT 1 /* bad device index, NULL, bad value */
#define MTIA_STATUS_OUT_OF_MEMORY 2    /* device or host allocation failed */
#define MTIA_STATUS_NOT_SUPPORTED 3    /* the plugin does not do this */
#define MTIA_STATUS_INVALID_STATE 4    /* call out of order (e.g. replay before instantiate) */
#define MTIA_STATUS_NOT_FOUND 5        /* unknown handle, stream or graph */
#define MTIA_STATUS_VERSION_MISMATCH 6 /* entry point: cannot serve this host */
#define MTIA_STATUS_INTERNAL 7         /* a bug or unexpected failure in the plugin */
#define MTIA_STATUS_UNAVAILABLE 8      /* device lost, or the plugin is shut down */

/* ------------------------------------------------------------------------ */
/* Plain data types                                                          */
/* ------------------------------------------------------------------------ */

/* Device type code of MTIA devices (PyTorch's c10::DeviceType::MTIA). */
typedef int32_t mtia_device_type_t;
#define MTIA_DEVICE_TYPE_MTIA 19

/* A stream, as PyTorch packs it: id 0 is the device's default stream. A
 * returned stream with device_index < 0 signals failure. 16 bytes, returned
 * by value: in two registers (RAX:RDX, X0:X1) on System V x86-64 and AArch64,
 * through a caller-provided hidden pointer on Microsoft x64. */
typedef struct mtia_stream {
  int64_t stream_id;
  int32_t device_index;
  mtia_device_type_t device_type; /* always MTIA_DEVICE_TYPE_MTIA */
} mtia_stream_t;

/* A memory pool id; {0,0} is the default pool. */
typedef struct mtia_mempool_id {
  uint64_t first;
  uint64_t second;
} mtia_mempool_id_t;

/* Log levels of the host's log sink. */
typedef int32_t mtia_log_level_t;
#define MTIA_LOG_TRACE 0
#define MTIA_LOG_DEBUG 1
#define MTIA_LOG_INFO 2
#define MTIA_LOG_WARN 3
#define MTIA_LOG_ERROR 4

/* A host-provided text sink. write() appends `size` bytes (not necessarily
 * NUL-terminated) and may be called several times for one result. The sink and
 * its user_data are owned by the host and valid for the duration of the call
 * they are passed to. write() never fails visibly to the plugin. */
typedef struct mtia_sink {
  void* user_data;
  void (*write)(void* user_data, const char* data, size_t size);
} mtia_sink_t;

/* Out-of-memory observer: called by the plugin, on the allocating thread,
 * once per OOM event before the failing call returns. `user_data` is the
 * pointer given at registration. Must not call back into the plugin. */
typedef void (*mtia_oom_observer_fn)(void* user_data, int32_t device, uint64_t requested_bytes,
                                     uint64_t device_total_bytes, uint64_t device_free_bytes);

/* ------------------------------------------------------------------------ */
/* Host services: what the host offers the plugin                            */
/* ------------------------------------------------------------------------ */

typedef struct mtia_host_services {
  size_t struct_size;  /* sizeof(mtia_host_services_t) as the host built it */
  uint32_t abi_major;  /* the host's ABI version */
  uint32_t abi_minor;
  const char* host_name;    /* e.g. "mtia-plugin-host 0.1.0"; host-owned, valid while loaded */
  void* host_data;          /* opaque; passed back to every service below */
  /* MT. Writes one log line. `message` is borrowed for the call. Never fails. */
  void (*log)(void* host_data, mtia_log_level_t level, const char* message);
} mtia_host_services_t;

/* ------------------------------------------------------------------------ */
/* The plugin's function table                                               */
/* ------------------------------------------------------------------------ */

typedef struct mtia_plugin_api mtia_plugin_api_t;

struct mtia_plugin_api {
  /* ---- header (1.0) --------------------------------------------------- */
  size_t struct_size;         /* sizeof(mtia_plugin_api_t) as the plugin built it */
  uint32_t abi_major;         /* ABI the table follows; must equal the host's major */
  uint32_t abi_minor;         /* slots up to this minor may be present */
  /* REQUIRED: non-NULL and non-empty. Plugin-owned, static; e.g. "mtia-sample". */
  const char* plugin_name;
  const char* plugin_version; /* plugin-owned, static; e.g. "0.1.0" */

  /* ---- lifecycle and errors (1.0) ------------------------------------ */
  /* ONCE. Before any other slot but get_last_error, on the loading thread.
   * Optional. */
  mtia_status_t (*initialize)(void);
  /* ONCE. Only after a successful initialize, after every other call has
   * returned and on no other thread concurrently. Optional. The table stays
   * readable afterwards. */
  void (*shutdown)(void);
  /* MT. REQUIRED. Code and message of the calling thread's last failure in
   * this plugin. *message is plugin-owned, valid until the next call into the
   * plugin on this thread; it may be NULL. */
  mtia_status_t (*get_last_error)(const char** message);
  /* MT. Extension table for a versioned id (e.g. "mtia.streams/1") or NULL.
   * The table is plugin-owned, starts with size_t struct_size and stays valid
   * until shutdown. Ids are compared exactly (never by prefix); NULL for every
   * id the plugin does not implement, future versions included. Optional. */
  const void* (*get_extension)(const char* id);

  /* ---- device group (1.0) -------------------------------------------- */
  /* MT. Lazily initialises the device runtime (PyTorch's init()); idempotent.
   * Optional; absent: init() does nothing (PyTorch's default). */
  mtia_status_t (*lazy_init)(void);
  /* MT. True when this backend is present and usable (hasMTIA()).
   * Optional; absent: hasMTIA() is true (a loaded plugin is a backend). */
  bool (*has_mtia)(void);
  /* MT. REQUIRED. Number of devices, >= 0; negative on failure. */
  int32_t (*device_count)(void);
  /* MT. Waits until all work queued on every stream of `device` (-1: current
   * device) is done; reports the first error raised by that work since the
   * streams' last synchronize. */
  mtia_status_t (*device_synchronize)(int32_t device);
  /* MT. Writes the backend's configuration as one JSON object to *out. */
  mtia_status_t (*show_config)(const mtia_sink_t* out);
  /* MT. 1 if the device's primary context exists, 0 if not, negative on failure. */
  int32_t (*has_primary_context)(int32_t device);
  /* TL. REQUIRED. Sets the calling thread's current device. */
  mtia_status_t (*set_current_device)(int32_t device);
  /* TL. REQUIRED. Hot. The calling thread's current device; negative on failure. */
  int32_t (*get_current_device)(void);
  /* TL. Hot. Sets the current device, returns the previous one; negative on failure. */
  int32_t (*exchange_device)(int32_t device);
  /* TL. Hot. As exchange_device, but a valid device that is not yet
   * initialised may be left uninitialised (PyTorch's maybeExchangeDevice). */
  int32_t (*maybe_exchange_device)(int32_t device);
  /* MT. True when the plugin's runtime considers itself available
   * (isAvailable()); the host additionally requires device_count() > 0.
   * Optional; absent: isAvailable() is device_count() > 0. */
  bool (*is_available)(void);

  /* ---- stream group (1.0) -------------------------------------------- */
  /* TL. Hot. The calling thread's current stream on `device` (-1: current
   * device). Failure: device_index < 0. */
  mtia_stream_t (*get_current_stream)(int32_t device);
  /* TL. Hot. Plugin-defined raw handle (>= 0) of the current stream on
   * `device` (-1: current device); negative on failure. */
  int64_t (*get_current_raw_stream)(int32_t device);
  /* MT. Hot. The default stream (id 0) of `device` (-1: current device).
   * Failure: device_index < 0. */
  mtia_stream_t (*get_default_stream)(int32_t device);
  /* TL. Makes `stream` current on its device for the calling thread. */
  mtia_status_t (*set_current_stream)(mtia_stream_t stream);

  /* ---- memory group (1.0) -------------------------------------------- */
  /* MT. True exactly when `ptr` points into a live pinned host allocation. */
  bool (*is_pinned_ptr)(const void* ptr);
  /* MT. Allocates `size` bytes of pinned host memory; *out is plugin-owned
   * until passed to pinned_free. size 0 yields NULL and MTIA_STATUS_OK. */
  mtia_status_t (*pinned_alloc)(size_t size, void** out);
  /* MT. Frees a pointer returned by pinned_alloc (NULL is a no-op). */
  mtia_status_t (*pinned_free)(void* ptr);
  /* MT. Allocates `size` bytes of device memory on `device`; *out is an
   * opaque device address owned by the plugin until passed to device_free. */
  mtia_status_t (*device_alloc)(int32_t device, size_t size, void** out);
  /* MT. Frees a pointer returned by device_alloc (NULL is a no-op). The free
   * counts in memory_stats by the time it returns.
   * 1.2: work queued on any stream before the free may still use the block:
   * the plugin does not hand the memory out again (nor return it to the
   * device) until that work has run. It may wait for that work inside
   * device_free (as cudaFree synchronizes; the sample plugin does this) or
   * return at once and defer the reuse (as an OpenCL buffer's reference count
   * under clReleaseMemObject, or the queue-ordered clEnqueueSVMFree, do; the
   * OpenCL plugin does this). Work submitted after the free that names the
   * block is refused at submission. A plugin declaring minor 0 or 1 does not
   * promise this: its callers synchronize the streams that use a block before
   * freeing it. */
  mtia_status_t (*device_free)(void* ptr);
  /* MT. Writes a JSON object with a "dram" object holding at least
   * "allocated_bytes" and "peak_bytes" (torch.mtia.memory_stats). */
  mtia_status_t (*memory_stats)(int32_t device, const mtia_sink_t* out);
  /* MT. Writes {"major": int, "minor": int} for `device` (-1: current device). */
  mtia_status_t (*get_device_capability)(int32_t device, const mtia_sink_t* out);
  /* MT. Writes a JSON object describing `device` (-1: current device), with
   * at least "name" and "total_memory" in bytes. */
  mtia_status_t (*get_device_properties)(int32_t device, const mtia_sink_t* out);
  /* MT. Releases cached, unused device memory of every device. */
  mtia_status_t (*empty_cache)(void);
  /* MT. enabled: NULL (stop), "state" or "all"; stacks: "python", "cpp",
   * "all" or "" (recorded verbatim); max_entries bounds the history ring. */
  mtia_status_t (*record_memory_history)(const char* enabled, const char* stacks,
                                         uint64_t max_entries);
  /* MT. Writes the memory snapshot JSON to *out; when local_path is not NULL
   * also writes the same JSON to that file (failure to write is an error). */
  mtia_status_t (*memory_snapshot)(const char* local_path, const mtia_sink_t* out);
  /* MT. Resets peak statistics of `device` to the current values. */
  mtia_status_t (*reset_peak_memory_stats)(int32_t device);
  /* MT. Adds an OOM observer; it stays registered until shutdown. */
  mtia_status_t (*attach_oom_observer)(mtia_oom_observer_fn observer, void* user_data);

  /* ---- graph group (1.0) --------------------------------------------- */
  /* MT. Creates an empty graph; *out_handle is a plugin handle (>= 0). */
  mtia_status_t (*graph_create)(bool keep_graph, int64_t* out_handle);
  /* MT. Destroys the graph; fails while it is capturing. */
  mtia_status_t (*graph_destroy)(int64_t handle);
  /* TL. Starts capturing work submitted to the calling thread's current
   * stream into the graph, allocating from `pool` ({0,0}: a private pool). */
  mtia_status_t (*graph_capture_begin)(int64_t handle, mtia_mempool_id_t pool);
  /* TL. Ends the capture begun on this graph. */
  mtia_status_t (*graph_capture_end)(int64_t handle);
  /* MT. Prepares a captured graph for replay. */
  mtia_status_t (*graph_instantiate)(int64_t handle);
  /* TL. Enqueues the instantiated graph's work on the calling thread's current
   * stream of the device the graph was captured on. (Tagged MT before 1.2:
   * the slot always read the calling thread's current stream.) */
  mtia_status_t (*graph_replay)(int64_t handle);
  /* MT. Frees the captured work; the graph may be captured again. */
  mtia_status_t (*graph_reset)(int64_t handle);
  /* MT. The memory pool the graph's capture used. */
  mtia_status_t (*graph_pool)(int64_t handle, mtia_mempool_id_t* out_pool);

  /* ---- 1.1 ------------------------------------------------------------ */
  /* 1.1. MT. Writes a fresh memory pool id (never {0,0}, never returned
   * before) to *out_pool; passing it to graph_capture_begin of several
   * graphs makes their captures share one pool (graph_pool_handle()). */
  mtia_status_t (*graph_pool_handle)(mtia_mempool_id_t* out_pool);
};

/* Size of the table as ABI 1.0 defined it: the smallest struct_size the host
 * accepts from a plugin that claims minor 0. */
#define MTIA_PLUGIN_API_SIZE_1_0 MTIA_STRUCT_SIZE_THROUGH(mtia_plugin_api_t, graph_pool)
/* Size of the table as ABI 1.1 defined it. */
#define MTIA_PLUGIN_API_SIZE_1_1 MTIA_STRUCT_SIZE_THROUGH(mtia_plugin_api_t, graph_pool_handle)
/* Size of the table as ABI 1.2 defines it: 1.2 adds rules, not slots
 * (device_free while work is queued, the tags and device rules above). */
#define MTIA_PLUGIN_API_SIZE_1_2 MTIA_PLUGIN_API_SIZE_1_1

/* ------------------------------------------------------------------------ */
/* The entry point                                                           */
/* ------------------------------------------------------------------------ */

/* The plugin exports exactly one function of this type under the name
 * MTIA_PLUGIN_ENTRY_SYMBOL. The host calls it once per load, before anything
 * else, passing its services (host-owned, valid until the plugin is unloaded;
 * the plugin must ignore fields beyond host->struct_size). On success the
 * plugin stores a pointer to its table (plugin-owned, static, valid until
 * unload) in *out_api and returns MTIA_STATUS_OK. If it cannot serve this
 * host (e.g. host->abi_major differs) it returns a failure code (usually
 * MTIA_STATUS_VERSION_MISMATCH), the host ignores *out_api, and, when `error` is
 * not NULL, writes a one-line explanation to it. The host calls no slot of a
 * plugin whose entry point failed. */
typedef mtia_status_t (*mtia_plugin_get_api_fn)(const mtia_host_services_t* host,
                                                const mtia_plugin_api_t** out_api,
                                                const mtia_sink_t* error);

/* ------------------------------------------------------------------------ */
/* Standard extensions                                                       */
/* ------------------------------------------------------------------------ */

/* Extensions (get_extension) follow the core table's rules: each table starts
 * with size_t struct_size (sizeof the table as the plugin built it) and grows
 * only by appending; an incompatible version gets a new id ("mtia.exec/2").
 * A host accepts an older, smaller table: slots beyond its struct_size are
 * absent. A plugin that returns a table fills every slot it has, or makes the
 * operations it lacks fail with MTIA_STATUS_NOT_SUPPORTED and a message. Ids
 * beginning "mtia." are reserved for the standard extensions below; vendor
 * extensions use the vendor's own prefix ("acme.profiler/1"). */

/* "mtia.streams/1": stream creation and completion. */
#define MTIA_EXT_STREAMS_V1 "mtia.streams/1"

typedef struct mtia_streams_ext_v1 {
  size_t struct_size;
  /* MT. Creates a new stream on `device` (-1: current device). Streams live
   * until shutdown. priority 0 is normal; lower numbers are higher priority. */
  mtia_status_t (*create_stream)(int32_t device, int32_t priority, mtia_stream_t* out);
  /* MT. *out_idle = true when all work queued on the stream is done. */
  mtia_status_t (*stream_query)(mtia_stream_t stream, bool* out_idle);
  /* MT. Waits until all work queued on the stream is done; reports the first
   * error raised by that work since the last synchronize. */
  mtia_status_t (*stream_synchronize)(mtia_stream_t stream);
} mtia_streams_ext_v1_t;

/* "mtia.exec/1": work on streams. Each stream runs its work asynchronously,
 * in submission order. Arguments are checked when the work is submitted (a
 * bad call fails at once); a failure while the work runs is kept and
 * reported by the next stream_synchronize or device_synchronize. While the
 * stream is capturing into a graph, work is recorded instead of run. */
#define MTIA_EXT_EXEC_V1 "mtia.exec/1"

/* Which side of a copy is device memory. */
typedef int32_t mtia_memcpy_kind_t;
#define MTIA_MEMCPY_HOST_TO_DEVICE 1
#define MTIA_MEMCPY_DEVICE_TO_HOST 2
#define MTIA_MEMCPY_DEVICE_TO_DEVICE 3

/* Host work run by a stream, in order with its other work, on a plugin
 * thread. Returns MTIA_STATUS_OK, or a failure code that the stream reports
 * at its next synchronize. Must not throw and must not call into the plugin. */
typedef mtia_status_t (*mtia_host_fn_t)(void* user_data);

typedef struct mtia_exec_ext_v1 {
  size_t struct_size;
  /* MT. Enqueues: `size` bytes at `dst` (in one live device allocation of the stream's device) become `value` (0..255). */
  mtia_status_t (*memset_async)(mtia_stream_t stream, void* dst, int32_t value, size_t size);
  /* MT. Enqueues a copy of `size` bytes. The device side (dst for
   * HOST_TO_DEVICE, src for DEVICE_TO_HOST, both for DEVICE_TO_DEVICE) lies in
   * one live device allocation of the stream's device, as for memset_async;
   * host memory is the caller's, borrowed until the copy has run. */
  mtia_status_t (*memcpy_async)(mtia_stream_t stream, void* dst, const void* src, size_t size,
                                mtia_memcpy_kind_t kind);
  /* MT. Enqueues fn(user_data); user_data is the caller's, borrowed until fn has run (work not started at shutdown is dropped). */
  mtia_status_t (*launch_host_func)(mtia_stream_t stream, mtia_host_fn_t fn, void* user_data);
} mtia_exec_ext_v1_t;

/* "mtia.events/1": markers in a stream's work. An event is a plugin handle
 * (>= 1, valid until event_destroy or shutdown). Only its latest record
 * counts: a wait, query or synchronize refers to the record made before it.
 * Events cannot be recorded or waited on by a capturing stream. */
#define MTIA_EXT_EVENTS_V1 "mtia.events/1"

/* Event flags. */
#define MTIA_EVENT_DEFAULT 0u
#define MTIA_EVENT_TIMING 1u /* the event keeps the time it completed at */

typedef struct mtia_events_ext_v1 {
  size_t struct_size;
  /* MT. Creates an event; *out_event is a plugin-owned handle until event_destroy or shutdown. */
  mtia_status_t (*event_create)(uint32_t flags, int64_t* out_event);
  /* MT. Destroys the handle; work already queued that refers to the event still completes. */
  mtia_status_t (*event_destroy)(int64_t event);
  /* MT. Enqueues a record of the event on `stream`; it completes when the work before it has run. */
  mtia_status_t (*event_record)(int64_t event, mtia_stream_t stream);
  /* MT. Work submitted to `stream` later waits for the event's latest record (none: no wait). */
  mtia_status_t (*stream_wait_event)(mtia_stream_t stream, int64_t event);
  /* MT. *out_done = true when the latest record has completed (or there is none). */
  mtia_status_t (*event_query)(int64_t event, bool* out_done);
  /* MT. Blocks the caller until the latest record has completed. */
  mtia_status_t (*event_synchronize)(int64_t event);
  /* MT. *out_ns = completion time of `end` minus that of `start`; both timing events, both completed. */
  mtia_status_t (*event_elapsed_time)(int64_t start, int64_t end, int64_t* out_ns);
} mtia_events_ext_v1_t;

/* ------------------------------------------------------------------------ */
/* Layout pins: these values are part of the ABI.                            */
/* ------------------------------------------------------------------------ */

#if defined(__cplusplus)
#define MTIA_ABI_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define MTIA_ABI_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

MTIA_ABI_STATIC_ASSERT(sizeof(mtia_stream_t) == 16, "mtia_stream_t is 16 bytes");
MTIA_ABI_STATIC_ASSERT(offsetof(mtia_stream_t, device_index) == 8, "mtia_stream_t layout");
MTIA_ABI_STATIC_ASSERT(sizeof(mtia_mempool_id_t) == 16, "mtia_mempool_id_t is 16 bytes");
MTIA_ABI_STATIC_ASSERT(offsetof(mtia_plugin_api_t, struct_size) == 0, "struct_size comes first");
MTIA_ABI_STATIC_ASSERT(offsetof(mtia_host_services_t, struct_size) == 0, "struct_size comes first");
#if UINTPTR_MAX == 0xFFFFFFFFFFFFFFFFu
MTIA_ABI_STATIC_ASSERT(offsetof(mtia_plugin_api_t, plugin_name) == 16, "table header layout");
MTIA_ABI_STATIC_ASSERT(offsetof(mtia_plugin_api_t, initialize) == 32, "lifecycle group offset");
MTIA_ABI_STATIC_ASSERT(offsetof(mtia_plugin_api_t, lazy_init) == 64, "device group offset");
MTIA_ABI_STATIC_ASSERT(offsetof(mtia_plugin_api_t, get_current_stream) == 152, "stream group offset");
MTIA_ABI_STATIC_ASSERT(offsetof(mtia_plugin_api_t, is_pinned_ptr) == 184, "memory group offset");
MTIA_ABI_STATIC_ASSERT(offsetof(mtia_plugin_api_t, graph_create) == 288, "graph group offset");
MTIA_ABI_STATIC_ASSERT(MTIA_PLUGIN_API_SIZE_1_0 == 352, "ABI 1.0 table size");
MTIA_ABI_STATIC_ASSERT(offsetof(mtia_plugin_api_t, graph_pool_handle) == 352, "1.1 slots follow 1.0");
MTIA_ABI_STATIC_ASSERT(MTIA_PLUGIN_API_SIZE_1_1 == 360, "ABI 1.1 table size");
MTIA_ABI_STATIC_ASSERT(sizeof(mtia_plugin_api_t) == MTIA_PLUGIN_API_SIZE_1_2, "ABI 1.2 table size");
MTIA_ABI_STATIC_ASSERT(sizeof(mtia_host_services_t) == 40, "host services size");
MTIA_ABI_STATIC_ASSERT(sizeof(mtia_streams_ext_v1_t) == 32, "streams extension size");
MTIA_ABI_STATIC_ASSERT(sizeof(mtia_exec_ext_v1_t) == 32, "exec extension size");
MTIA_ABI_STATIC_ASSERT(sizeof(mtia_events_ext_v1_t) == 64, "events extension size");
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MTIA_PLUGIN_ABI_H */
