/* Compiled as C11 with -Wall -Wextra -Wpedantic -Werror: the ABI header is
 * plain C. The functions report the C compiler's view of the layout so
 * test_abi.cpp can compare it with the C++ compiler's. */
#include <mtia/plugin_abi.h>

size_t mtia_c_sizeof_plugin_api(void) { return sizeof(mtia_plugin_api_t); }
size_t mtia_c_offsetof_graph_pool(void) { return offsetof(mtia_plugin_api_t, graph_pool); }
size_t mtia_c_offsetof_get_current_stream(void) {
  return offsetof(mtia_plugin_api_t, get_current_stream);
}
size_t mtia_c_sizeof_host_services(void) { return sizeof(mtia_host_services_t); }
size_t mtia_c_sizeof_stream(void) { return sizeof(mtia_stream_t); }

/* MTIA_STRUCT_SIZE_THROUGH in C: a member narrower than the struct's alignment
 * (test_abi.cpp compares with the C++ branch of the macro). */
struct mtia_c_size_probe {
  uint32_t a;
  uint8_t b;
  uint64_t c;
  uint16_t d;
};
size_t mtia_c_size_through_b(void) { return MTIA_STRUCT_SIZE_THROUGH(struct mtia_c_size_probe, b); }
size_t mtia_c_size_through_d(void) { return MTIA_STRUCT_SIZE_THROUGH(struct mtia_c_size_probe, d); }
size_t mtia_c_size_through_graph_pool(void) {
  return MTIA_STRUCT_SIZE_THROUGH(mtia_plugin_api_t, graph_pool);
}
