/* layout.c — every struct of the plugin ABI in one exported signature, so
 * that abidw records their layouts (abi/plugin_abi.abi is its baseline).
 * Built by abi/check.sh; not part of any product. */
#include <mtia/plugin_abi.h>

MTIA_PLUGIN_EXPORT void mtia_abi_layout(const mtia_plugin_api_t* api,
                                        const mtia_host_services_t* host, const mtia_sink_t* sink,
                                        const mtia_streams_ext_v1_t* streams,
                                        const mtia_exec_ext_v1_t* exec,
                                        const mtia_events_ext_v1_t* events, mtia_stream_t stream,
                                        mtia_mempool_id_t pool, mtia_plugin_get_api_fn entry,
                                        mtia_oom_observer_fn observer, mtia_host_fn_t host_fn) {
  (void)api, (void)host, (void)sink, (void)streams, (void)exec, (void)events, (void)stream;
  (void)pool, (void)entry, (void)observer, (void)host_fn;
}
