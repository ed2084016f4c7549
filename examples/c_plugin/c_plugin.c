/* c_plugin.c — a complete MTIA backend plugin in plain C11.
 *
 * Two simulated devices, each with only its default stream. It implements the
 * device group, the stream group, and from the memory group the three JSON
 * queries (memory_stats, get_device_capability, get_device_properties); every
 * other slot stays NULL, which the host reports as "not implemented". Vendors
 * need nothing but <mtia/plugin_abi.h> and a C compiler; see
 * docs/plugin-guide.md for the walk-through.
 */
#include <mtia/plugin_abi.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define PLUGIN_NAME "c-example"
#define PLUGIN_VERSION "1.0.0"
#define DEVICE_COUNT 2
#define DEVICE_MEMORY_BYTES (512ull << 20)

/* ---- state ------------------------------------------------------------- */

static const mtia_host_services_t* g_host; /* valid from the entry point to unload */
static atomic_bool g_initialized;
static atomic_bool g_has_context[DEVICE_COUNT];

/* Per thread: the current device and the last error (ABI conventions). */
static _Thread_local int32_t t_device;
static _Thread_local mtia_status_t t_error_code;
static _Thread_local char t_error_message[160];

static void host_log(mtia_log_level_t level, const char* message) {
  if (g_host != NULL && g_host->log != NULL) g_host->log(g_host->host_data, level, message);
}

/* Records the calling thread's last error (a printf-style message); returns `code`. */
__attribute__((format(printf, 2, 3))) static mtia_status_t fail(mtia_status_t code,
                                                                const char* format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(t_error_message, sizeof t_error_message, format, args);
  va_end(args);
  t_error_code = code;
  return code;
}

static mtia_status_t get_last_error(const char** message) {
  if (message != NULL) *message = t_error_message;
  return t_error_code;
}

/* MTIA_STATUS_OK for a valid device index, else records the error. */
static mtia_status_t check_device(int32_t device) {
  if (!atomic_load(&g_initialized)) {
    return fail(MTIA_STATUS_UNAVAILABLE, "the plugin is not initialised");
  }
  if (device < 0 || device >= DEVICE_COUNT) {
    return fail(MTIA_STATUS_INVALID_ARGUMENT,
                "device %d is out of range (this plugin has %d devices)", (int)device,
                DEVICE_COUNT);
  }
  return MTIA_STATUS_OK;
}

/* -1 means "the calling thread's current device". */
static int32_t resolve_device(int32_t device) { return device == -1 ? t_device : device; }

static void write_text(const mtia_sink_t* out, const char* text) {
  if (out != NULL && out->write != NULL) out->write(out->user_data, text, strlen(text));
}

/* ---- lifecycle ---------------------------------------------------------- */

static mtia_status_t initialize(void) {
  char message[64];
  snprintf(message, sizeof message, "initialised with %d simulated devices", DEVICE_COUNT);
  atomic_store(&g_initialized, true);
  host_log(MTIA_LOG_INFO, message);
  return MTIA_STATUS_OK;
}

static void shutdown(void) {
  atomic_store(&g_initialized, false);
  host_log(MTIA_LOG_DEBUG, "shut down");
}

/* ---- device group ------------------------------------------------------- */

static mtia_status_t lazy_init(void) { return check_device(0); }
static bool has_mtia(void) { return atomic_load(&g_initialized); }
static bool is_available(void) { return atomic_load(&g_initialized); }

static int32_t device_count(void) { return atomic_load(&g_initialized) ? DEVICE_COUNT : 0; }

static mtia_status_t device_synchronize(int32_t device) {
  return check_device(resolve_device(device)); /* no work is ever queued */
}

static mtia_status_t show_config(const mtia_sink_t* out) {
  write_text(out, "{\"plugin\": \"" PLUGIN_NAME "\", \"language\": \"C11\"}");
  return MTIA_STATUS_OK;
}

static int32_t has_primary_context(int32_t device) {
  if (check_device(device) != MTIA_STATUS_OK) return -1;
  return atomic_load(&g_has_context[device]) ? 1 : 0;
}

static mtia_status_t set_current_device(int32_t device) {
  mtia_status_t status = check_device(device);
  if (status != MTIA_STATUS_OK) return status;
  atomic_store(&g_has_context[device], true);
  t_device = device;
  return MTIA_STATUS_OK;
}

static int32_t get_current_device(void) { return t_device; }

static int32_t exchange_device(int32_t device) {
  int32_t previous = t_device;
  if (set_current_device(device) != MTIA_STATUS_OK) return -1;
  return previous;
}

static int32_t maybe_exchange_device(int32_t device) {
  int32_t previous = t_device;
  if (check_device(device) != MTIA_STATUS_OK) return -1;
  t_device = device; /* no context is created */
  return previous;
}

/* ---- stream group: only the default stream (id 0) exists ---------------- */

static mtia_stream_t stream_of(int32_t device) {
  mtia_stream_t stream = {0, device, MTIA_DEVICE_TYPE_MTIA};
  if (check_device(device) != MTIA_STATUS_OK) stream.device_index = -1;
  return stream;
}

static mtia_stream_t get_current_stream(int32_t device) {
  return stream_of(resolve_device(device));
}

static mtia_stream_t get_default_stream(int32_t device) {
  return stream_of(resolve_device(device));
}

static mtia_status_t set_current_stream(mtia_stream_t stream) {
  mtia_status_t status = check_device(stream.device_index);
  if (status != MTIA_STATUS_OK) return status;
  if (stream.stream_id != 0) {
    return fail(MTIA_STATUS_NOT_FOUND, "only the default stream (id 0) exists");
  }
  return MTIA_STATUS_OK;
}

/* ---- memory group: the JSON queries ------------------------------------- */

/* Validates the device, then writes `json` to the host's sink. */
static mtia_status_t reply(int32_t device, const mtia_sink_t* out, const char* json) {
  mtia_status_t status = check_device(device);
  if (status == MTIA_STATUS_OK) write_text(out, json);
  return status;
}

static mtia_status_t memory_stats(int32_t device, const mtia_sink_t* out) {
  /* Nothing is ever allocated, so the counters stay 0. */
  return reply(resolve_device(device), out,
               "{\"dram\": {\"allocated_bytes\": 0, \"peak_bytes\": 0}}");
}

static mtia_status_t get_device_capability(int32_t device, const mtia_sink_t* out) {
  return reply(resolve_device(device), out, "{\"major\": 1, \"minor\": 0}");
}

static mtia_status_t get_device_properties(int32_t device, const mtia_sink_t* out) {
  char json[128];
  device = resolve_device(device);
  snprintf(json, sizeof json, "{\"name\": \"C Example Device %d\", \"total_memory\": %llu}",
           (int)device, DEVICE_MEMORY_BYTES);
  return reply(device, out, json);
}

/* ---- the table and the one exported symbol ------------------------------ */

MTIA_PLUGIN_EXPORT mtia_status_t mtia_plugin_get_api(const mtia_host_services_t* host,
                                                     const mtia_plugin_api_t** out_api,
                                                     const mtia_sink_t* error) {
  static mtia_plugin_api_t table; /* zero-initialised: every slot not set is absent */
  if (out_api == NULL) return MTIA_STATUS_INVALID_ARGUMENT;
  if (host == NULL || host->abi_major != MTIA_PLUGIN_ABI_MAJOR) {
    write_text(error, PLUGIN_NAME " implements MTIA plugin ABI 1.x; rebuild it for this host");
    return MTIA_STATUS_VERSION_MISMATCH;
  }
  /* Only the ABI 1.0 fields of the host services are read. */
  g_host = host->struct_size >= sizeof(mtia_host_services_t) ? host : NULL;

  table.struct_size = sizeof table;
  table.abi_major = MTIA_PLUGIN_ABI_MAJOR;
  table.abi_minor = MTIA_PLUGIN_ABI_MINOR;
  table.plugin_name = PLUGIN_NAME;
  table.plugin_version = PLUGIN_VERSION;

  table.initialize = initialize;
  table.shutdown = shutdown;
  table.get_last_error = get_last_error;

  table.lazy_init = lazy_init;
  table.has_mtia = has_mtia;
  table.device_count = device_count;
  table.device_synchronize = device_synchronize;
  table.show_config = show_config;
  table.has_primary_context = has_primary_context;
  table.set_current_device = set_current_device;
  table.get_current_device = get_current_device;
  table.exchange_device = exchange_device;
  table.maybe_exchange_device = maybe_exchange_device;
  table.is_available = is_available;

  table.get_current_stream = get_current_stream;
  table.get_default_stream = get_default_stream;
  table.set_current_stream = set_current_stream;

  table.memory_stats = memory_stats;
  table.get_device_capability = get_device_capability;
  table.get_device_properties = get_device_properties;

  *out_api = &table;
  return MTIA_STATUS_OK;
}
