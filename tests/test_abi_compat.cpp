// ABI evolution: a 1.0 plugin in this 1.1 host, a 1.1 plugin in a 1.0 host,
// and the plugins that must be refused. The 1.0 plugin is the sample plugin
// built against the frozen header in tests/abi_1_0 (docs/abi.md).
#include "test_support.h"

#include "negotiation.h"
#include "validation.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <memory>

using mtia::LoadStep;
using mtia_test::errorOf;
using mtia_test::fixturePath;
using mtia_test::loadErrorOf;

namespace {

const std::string kSample10 = MTIA_SAMPLE_PLUGIN_1_0_PATH;

int64_t allocatedBytes(const mtia::MTIAHooksInterface& hooks, mtia::DeviceIndex device) {
  return hooks.memoryStats(device)["dram"]["allocated_bytes"].get<int64_t>();
}

// One 1.0 hook of each group works through the host.
void exerciseAbi10Hooks(const mtia::MTIAHooksInterface& hooks) {
  // device
  CHECK(hooks.deviceCount() == 2);
  hooks.setCurrentDevice(1);
  CHECK(hooks.getCurrentDevice() == 1);
  CHECK(hooks.exchangeDevice(0) == 1);
  CHECK(hooks.getCurrentDevice() == 0);
  CHECK(hooks.isAvailable());
  // stream
  const mtia::Stream created = hooks.createStream(0);
  hooks.setCurrentStream(created);
  CHECK(hooks.getCurrentStream(0) == created);
  CHECK(hooks.getDefaultStream(0).id() == 0);
  // memory
  const int64_t before = allocatedBytes(hooks, 0);
  void* p = hooks.deviceAlloc(0, 4096);
  REQUIRE(p != nullptr);
  CHECK(allocatedBytes(hooks, 0) >= before + 4096);
  hooks.deviceFree(p);
  CHECK(allocatedBytes(hooks, 0) == before);
  // graph
  const int64_t graph = hooks.mtiagraphCreate(false);
  hooks.mtiagraphCaptureBegin(graph, {0, 0});
  hooks.mtiagraphCaptureEnd(graph);
  hooks.mtiagraphReplay(graph);
  CHECK(hooks.mtiagraphPool(graph) != mtia::MempoolId_t{0, 0});
  hooks.mtiagraphDestroy(graph);
}

// A host-services struct exactly as large as ABI 1.0 made it, in a block of
// that size (a read beyond it is a heap overflow under ASan).
struct HostServices10 {
  HostServices10() : block(static_cast<mtia_host_services_t*>(std::malloc(kSize)), &std::free) {
    std::memset(block.get(), 0, kSize);
    block->struct_size = kSize;
    block->abi_major = 1;
    block->abi_minor = 0;
    block->host_name = "a 1.0 host";
  }
  static constexpr std::size_t kSize = MTIA_STRUCT_SIZE_THROUGH(mtia_host_services_t, log);
  std::unique_ptr<mtia_host_services_t, decltype(&std::free)> block;
};

}  // namespace

TEST_CASE("Old plugin, new host: a 1.0 plugin loads and every 1.0 hook works", "[abi][compat]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(kSample10);
  CHECK(loader.info().abi_major == 1);
  CHECK(loader.info().abi_minor == 0);
  CHECK(loader.info().host_abi_minor == 2);
  CHECK(nlohmann::json::parse(hooks.showConfig())["abi_version"] == "1.0");
  exerciseAbi10Hooks(hooks);
}

TEST_CASE("Old plugin, new host: graphPoolHandle names the hook and the ABI it needs",
          "[abi][compat]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(kSample10);
  try {
    hooks.graphPoolHandle();
    FAIL("a 1.0 plugin served graphPoolHandle");
  } catch (const mtia::PluginError& e) {
    CHECK(e.hook() == "graphPoolHandle");
    CHECK(e.code() == MTIA_STATUS_NOT_SUPPORTED);
    CHECK(std::string(e.what()) ==
          "graphPoolHandle() failed in MTIA plugin 'mtia-sample': slot 'graph_pool_handle' "
          "requires plugin ABI 1.1; plugin implements 1.0 (NOT_SUPPORTED)");
  }
}

TEST_CASE("Old plugin, new host: a plain-C 1.0 plugin loads", "[abi][compat]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_good"));
  CHECK(loader.info().abi_minor == 0);
  CHECK(hooks.deviceCount() == 1);
  CHECK(errorOf([&] { hooks.graphPoolHandle(); }) ==
        "graphPoolHandle() failed in MTIA plugin 'fixture': slot 'graph_pool_handle' requires "
        "plugin ABI 1.1; plugin implements 1.0 (NOT_SUPPORTED)");
}

TEST_CASE("ABI 1.1: graphPoolHandle gives fresh pools that graphs can share", "[abi][graph]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(mtia_test::samplePluginPath());
  CHECK(loader.info().abi_minor >= 1);
  const mtia::MempoolId_t shared = hooks.graphPoolHandle();
  const mtia::MempoolId_t other = hooks.graphPoolHandle();
  CHECK(shared != mtia::MempoolId_t{0, 0});
  CHECK(other != shared);
  const int64_t a = hooks.mtiagraphCreate(false);
  const int64_t b = hooks.mtiagraphCreate(false);
  for (const int64_t g : {a, b}) {
    hooks.mtiagraphCaptureBegin(g, shared);
    hooks.mtiagraphCaptureEnd(g);
    CHECK(hooks.mtiagraphPool(g) == shared);
  }
  // A private pool ({0,0}) is never one handed out by graphPoolHandle.
  const int64_t c = hooks.mtiagraphCreate(false);
  hooks.mtiagraphCaptureBegin(c, {0, 0});
  hooks.mtiagraphCaptureEnd(c);
  CHECK(hooks.mtiagraphPool(c) != shared);
  CHECK(hooks.mtiagraphPool(c) != other);
}

TEST_CASE("New plugin, old host: a 1.2 plugin serves a host that announces 1.0", "[abi][compat]") {
  // What a 1.0 host does: dlopen, the entry point with 1.0-sized services, the
  // slots it knows (up to graph_pool) and nothing beyond them.
  void* library = dlopen(mtia_test::samplePluginPath().c_str(), RTLD_NOW | RTLD_LOCAL);
  REQUIRE(library != nullptr);
  const auto entry =
      reinterpret_cast<mtia_plugin_get_api_fn>(dlsym(library, MTIA_PLUGIN_ENTRY_SYMBOL));
  REQUIRE(entry != nullptr);
  HostServices10 host;
  const mtia_plugin_api_t* table = nullptr;
  REQUIRE(entry(host.block.get(), &table, nullptr) == MTIA_STATUS_OK);
  REQUIRE(table != nullptr);
  CHECK(table->abi_major == 1);
  CHECK(table->abi_minor == 2);
  CHECK(table->struct_size >= MTIA_PLUGIN_API_SIZE_1_0);
  // 1.0 and 1.1 hosts' negotiation serves a newer minor (they ignore what
  // they do not know: 1.2 adds rules, no slots).
  CHECK_NOTHROW(mtia::detail::negotiateVersion(*table, mtia::detail::AbiWindow{1, 0, 0}));
  CHECK_NOTHROW(mtia::detail::negotiateVersion(*table, mtia::detail::AbiWindow{1, 0, 1}));

  REQUIRE(table->initialize() == MTIA_STATUS_OK);
  CHECK(table->device_count() == 2);
  CHECK(table->set_current_device(1) == MTIA_STATUS_OK);
  CHECK(table->get_current_device() == 1);
  const mtia_stream_t stream = table->get_default_stream(1);
  CHECK(stream.device_index == 1);
  CHECK(stream.stream_id == 0);
  CHECK(table->set_current_stream(stream) == MTIA_STATUS_OK);
  void* p = nullptr;
  CHECK(table->device_alloc(1, 256, &p) == MTIA_STATUS_OK);
  CHECK(p != nullptr);
  CHECK(table->device_free(p) == MTIA_STATUS_OK);
  int64_t graph = -1;
  CHECK(table->graph_create(false, &graph) == MTIA_STATUS_OK);
  CHECK(table->graph_capture_begin(graph, mtia_mempool_id_t{0, 0}) == MTIA_STATUS_OK);
  CHECK(table->graph_capture_end(graph) == MTIA_STATUS_OK);
  mtia_mempool_id_t pool{0, 0};
  CHECK(table->graph_pool(graph, &pool) == MTIA_STATUS_OK);
  CHECK(pool.first != 0);
  CHECK(table->graph_destroy(graph) == MTIA_STATUS_OK);
  table->shutdown();
  dlclose(library);
}

TEST_CASE("A plugin claiming a newer major is refused", "[abi][compat]") {
  const mtia::LoadError e = loadErrorOf(fixturePath("fixture_major_too_high"));
  CHECK(e.step() == LoadStep::Negotiate);
  CHECK(e.cause() ==
        "plugin implements MTIA plugin ABI 2.0; this host supports 1.0-1.2: rebuild the plugin "
        "against plugin_abi 1.x or upgrade the host");
}

TEST_CASE("A newer minor is served only with a table large enough for its claim",
          "[abi][compat]") {
  {
    mtia::PluginLoader loader;
    CHECK(loader.load(fixturePath("fixture_abi_minor_ahead")).deviceCount() == 1);
    CHECK(loader.info().abi_minor == 7);
  }
  const mtia::LoadError e = loadErrorOf(fixturePath("fixture_abi_minor_ahead_small"));
  CHECK(e.step() == LoadStep::Validate);
  CHECK(e.cause() ==
        "the function table's struct_size is 352 bytes, smaller than the 360 bytes that ABI 1.7 "
        "requires");
}

TEST_CASE("A 1.0 table with a larger struct_size keeps its 1.1 slots unseen", "[abi][compat]") {
  // copyTable only takes the slots of the minor the plugin declares.
  mtia_plugin_api_t table{};
  table.struct_size = sizeof(table);
  table.abi_major = 1;
  table.abi_minor = 0;
  table.graph_pool_handle = [](mtia_mempool_id_t*) noexcept -> mtia_status_t { return 0; };
  const mtia_plugin_api_t copy = mtia::detail::copyTable(table);
  CHECK(copy.graph_pool_handle == nullptr);
  CHECK(copy.struct_size == sizeof(mtia_plugin_api_t));
}

#ifdef MTIA_OPENCL_PLUGIN_1_1_PATH
// ABI 1.1 plugins in this 1.2 host: the OpenCL plugin built against the frozen
// 1.1 header (tests/abi_1_1), so a second implementation covers the old side.
TEST_CASE("Old plugin, new host: a 1.1 plugin loads and its 1.0 and 1.1 hooks work",
          "[abi][compat]") {
  mtia_test::ScopedEnv devices("POCL_DEVICES", "pthread");
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(MTIA_OPENCL_PLUGIN_1_1_PATH);
  CHECK(loader.info().abi_minor == 1);
  CHECK(nlohmann::json::parse(hooks.showConfig())["abi_version"] == "1.1");
  REQUIRE(hooks.deviceCount() == 1);
  void* p = hooks.deviceAlloc(0, 256);
  CHECK(p != nullptr);
  hooks.deviceFree(p);
  const mtia::MempoolId_t pool = hooks.graphPoolHandle();  // 1.1's slot
  CHECK(pool.first != 0);
  const int64_t g = hooks.mtiagraphCreate(false);
  hooks.mtiagraphCaptureBegin(g, pool);
  hooks.mtiagraphCaptureEnd(g);
  CHECK(hooks.mtiagraphPool(g) == pool);
  hooks.mtiagraphDestroy(g);
}

TEST_CASE("New plugin, old host: a 1.2 OpenCL plugin serves a host that announces 1.1",
          "[abi][compat]") {
  mtia_test::ScopedEnv devices("POCL_DEVICES", "pthread");
  void* library = dlopen(MTIA_OPENCL_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
  REQUIRE(library != nullptr);
  const auto entry =
      reinterpret_cast<mtia_plugin_get_api_fn>(dlsym(library, MTIA_PLUGIN_ENTRY_SYMBOL));
  REQUIRE(entry != nullptr);
  HostServices10 host;  // 1.1 kept the 1.0 host services
  host.block->abi_minor = 1;
  const mtia_plugin_api_t* table = nullptr;
  REQUIRE(entry(host.block.get(), &table, nullptr) == MTIA_STATUS_OK);
  CHECK(table->abi_minor == 2);
  CHECK_NOTHROW(mtia::detail::negotiateVersion(*table, mtia::detail::AbiWindow{1, 0, 1}));
  REQUIRE(table->initialize() == MTIA_STATUS_OK);
  CHECK(table->device_count() == 1);
  mtia_mempool_id_t pool{0, 0};
  CHECK(table->graph_pool_handle(&pool) == MTIA_STATUS_OK);
  CHECK(pool.first != 0);
  table->shutdown();
  dlclose(library);
}
#endif
