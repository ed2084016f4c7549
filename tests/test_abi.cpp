// The ABI header compiles as C++17 under -Werror (this file) and as C11
// (abi_header_c11.c); both compilers must agree on the layout.
#include <mtia/plugin_abi.h>

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>

extern "C" {
size_t mtia_c_sizeof_plugin_api(void);
size_t mtia_c_offsetof_graph_pool(void);
size_t mtia_c_offsetof_get_current_stream(void);
size_t mtia_c_sizeof_host_services(void);
size_t mtia_c_sizeof_stream(void);
size_t mtia_c_size_through_b(void);
size_t mtia_c_size_through_d(void);
size_t mtia_c_size_through_graph_pool(void);
}

TEST_CASE("C11 and C++17 compilers agree on the ABI layout", "[abi]") {
  CHECK(mtia_c_sizeof_plugin_api() == sizeof(mtia_plugin_api_t));
  CHECK(mtia_c_offsetof_graph_pool() == offsetof(mtia_plugin_api_t, graph_pool));
  CHECK(mtia_c_offsetof_get_current_stream() == offsetof(mtia_plugin_api_t, get_current_stream));
  CHECK(mtia_c_sizeof_host_services() == sizeof(mtia_host_services_t));
  CHECK(mtia_c_sizeof_stream() == sizeof(mtia_stream_t));
}

TEST_CASE("ABI 1.2 constants are pinned", "[abi]") {
  CHECK(MTIA_PLUGIN_ABI_MAJOR == 1);
  CHECK(MTIA_PLUGIN_ABI_MINOR == 2);
  CHECK(MTIA_DEVICE_TYPE_MTIA == 19);
  // Sizes by counting, not by the macros' own formula: the header
  // (struct_size, two uint32 versions, two name pointers), then 40 slots in
  // 1.0; 1.1 appended one (graph_pool_handle); 1.2 added rules, not slots.
  const size_t header = sizeof(size_t) + 2 * sizeof(uint32_t) + 2 * sizeof(const char*);
  const size_t slot = sizeof(void (*)(void));
  CHECK((MTIA_PLUGIN_API_SIZE_1_0) == header + 40 * slot);
  CHECK((MTIA_PLUGIN_API_SIZE_1_1) == header + 41 * slot);
  CHECK((MTIA_PLUGIN_API_SIZE_1_2) == header + 41 * slot);
  CHECK(sizeof(mtia_plugin_api_t) == header + 41 * slot);
  CHECK(std::string(MTIA_PLUGIN_ENTRY_SYMBOL) == "mtia_plugin_get_api");
  // Status codes are wire values: they never change meaning.
  CHECK(MTIA_STATUS_OK == 0);
  CHECK(MTIA_STATUS_INVALID_ARGUMENT == 1);
  CHECK(MTIA_STATUS_UNAVAILABLE == 8);
}

// The size macro ends at the member's last byte (not at the next member or the
// padded struct size), in C and in C++ alike.
namespace {
struct SizeProbe {
  uint32_t a;
  uint8_t b;
  uint64_t c;
  uint16_t d;
};
}  // namespace

TEST_CASE("MTIA_STRUCT_SIZE_THROUGH is the offset plus the member's size", "[abi]") {
  CHECK(MTIA_STRUCT_SIZE_THROUGH(SizeProbe, b) == 5);
  CHECK(MTIA_STRUCT_SIZE_THROUGH(SizeProbe, d) == 18);
  CHECK(sizeof(SizeProbe) == 24);
  CHECK(mtia_c_size_through_b() == 5);
  CHECK(mtia_c_size_through_d() == 18);
  CHECK(mtia_c_size_through_graph_pool() == MTIA_STRUCT_SIZE_THROUGH(mtia_plugin_api_t, graph_pool));
  CHECK(mtia_c_size_through_graph_pool() == 352);
}
