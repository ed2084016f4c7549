// Device memory of the sample plugin through the host adapter: the caching
// allocator, statistics, OOM handling and observers, configuration, errors
// and pinned host memory.
#include "test_memory_support.h"

#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

using mtia_test::KiB;
using mtia_test::MiB;
using mtia_test::pluginError;
using mtia_test::SamplePlugin;

TEST_CASE("Device memory is real, writable memory of the requested size", "[memory][simulator]") {
  SamplePlugin p;
  for (const size_t size : {size_t{1}, size_t{4000}, 300 * KiB, 3 * MiB + 5}) {
    INFO(size);
    auto* bytes = static_cast<unsigned char*>(p.alloc(size, 1));
    REQUIRE(bytes != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(bytes) % 512 == 0);
    std::memset(bytes, 0xA5, size);
    CHECK(bytes[0] == 0xA5);
    CHECK(bytes[size - 1] == 0xA5);
    p.hooks.deviceFree(bytes);
  }
  CHECK(p.hooks.deviceAlloc(0, 0) == nullptr);
  CHECK_NOTHROW(p.hooks.deviceFree(nullptr));
  CHECK(p.stat("num_allocs", 1) == 4);
  CHECK(p.stat("num_frees", 1) == 4);
}

TEST_CASE("A freed block is reused without growing reserved bytes", "[memory][cache][simulator]") {
  SamplePlugin p;
  // The segment each request lives in (docs/memory.md): small requests in a
  // 2 MiB slab, a large one in a segment of whole 2 MiB granules.
  for (const auto& [size, reserved] : {std::pair<size_t, uint64_t>{4096, 2 * MiB},
                                       {64 * KiB, 2 * MiB}, {5 * MiB, 6 * MiB}}) {
    INFO(size);
    void* first = p.alloc(size);
    CHECK(p.stat("reserved_bytes") == reserved);
    CHECK(p.stat("cached_bytes") == reserved - size);
    p.hooks.deviceFree(first);
    CHECK(p.stat("reserved_bytes") == reserved);
    CHECK(p.stat("cached_bytes") == reserved);
    void* again = p.alloc(size);
    CHECK(again == first);
    CHECK(p.stat("reserved_bytes") == reserved);
    p.hooks.deviceFree(again);
    p.hooks.emptyCache();
  }
}

TEST_CASE("emptyCache returns unused segments and keeps used ones", "[memory][cache][simulator]") {
  SamplePlugin p;
  void* kept = p.alloc(512);
  const uint64_t slab = 2 * MiB;  // the small-pool segment holding `kept`
  CHECK(p.stat("reserved_bytes") == slab);
  std::vector<void*> blocks;
  for (const size_t size : {size_t{512}, 8 * KiB, 200 * KiB, MiB, MiB, 3 * MiB, 9 * MiB}) {
    blocks.push_back(p.alloc(size));
  }
  const uint64_t reserved = p.stat("reserved_bytes");
  // The small requests share `kept`'s segment until the second 1 MiB no longer
  // fits and opens another; 3 and 9 MiB get segments of 4 and 10 MiB.
  CHECK(reserved == 2 * MiB + 2 * MiB + 4 * MiB + 10 * MiB);
  for (void* b : blocks) p.hooks.deviceFree(b);
  CHECK(p.stat("reserved_bytes") == reserved);  // still cached
  p.hooks.emptyCache();
  const nlohmann::json after = p.dram();
  CHECK(after["reserved_bytes"] == slab);  // only the slab holding `kept`
  CHECK(after["segments"] == 1);
  CHECK(after["cached_bytes"] == slab - 512);
  // Two small segments and one per large block: all but `kept`'s were returned.
  CHECK(after["num_segment_allocs"] == 4);
  CHECK(after["num_segment_frees"] == 3);
  p.hooks.deviceFree(kept);
  p.hooks.emptyCache();
  CHECK(p.stat("reserved_bytes") == 0);
  CHECK(p.stat("segments") == 0);
}

TEST_CASE("Stats count blocks, requests, peaks and segments", "[memory][stats][simulator]") {
  SamplePlugin p;
  const nlohmann::json fresh = p.dram();
  for (const char* key : {"allocated_bytes", "peak_bytes", "requested_bytes", "reserved_bytes",
                          "cached_bytes", "active_allocations", "num_allocs", "num_frees",
                          "num_ooms", "segments"}) {
    INFO(key);
    CHECK(fresh[key] == 0);
  }
  CHECK(fresh["total_bytes"] == uint64_t{1} << 30);
  CHECK(fresh["free_bytes"] == uint64_t{1} << 30);

  void* a = p.alloc(1000);     // a 1024-byte block in a 2 MiB slab
  void* b = p.alloc(3 * MiB);  // a 3 MiB block in a 4 MiB segment
  nlohmann::json s = p.dram();
  CHECK(s["allocated_bytes"] == 1024 + 3 * MiB);
  CHECK(s["requested_bytes"] == 1000 + 3 * MiB);
  CHECK(s["reserved_bytes"] == 2 * MiB + 4 * MiB);
  CHECK(s["cached_bytes"] == 6 * MiB - 1024 - 3 * MiB);
  CHECK(s["free_bytes"] == (uint64_t{1} << 30) - 6 * MiB);
  CHECK(s["active_allocations"] == 2);
  CHECK(s["segments"] == 2);
  CHECK(s["peak_bytes"] == 1024 + 3 * MiB);
  p.hooks.deviceFree(b);
  s = p.dram();
  CHECK(s["allocated_bytes"] == 1024);
  CHECK(s["peak_bytes"] == 1024 + 3 * MiB);
  CHECK(s["peak_reserved_bytes"] == 6 * MiB);
  p.hooks.resetPeakMemoryStats(0);
  s = p.dram();
  CHECK(s["peak_bytes"] == 1024);
  CHECK(s["peak_requested_bytes"] == 1000);
  CHECK(s["peak_reserved_bytes"] == 6 * MiB);  // b's segment is still cached
  p.hooks.deviceFree(a);
  CHECK(p.stat("peak_bytes") == 1024);
  // Device 1 saw none of it.
  CHECK(p.stat("num_allocs", 1) == 0);
}

TEST_CASE("MTIA_SAMPLE_DEVICE_MEMORY sets each device's capacity", "[memory][config][simulator]") {
  {
    mtia_test::ScopedEnv env("MTIA_SAMPLE_DEVICE_MEMORY", "67108864");
    SamplePlugin p;
    CHECK(p.stat("total_bytes", 1) == 64 * MiB);
    CHECK(p.hooks.getDeviceProperties(1)["total_memory"] == 64 * MiB);
    CHECK(nlohmann::json::parse(p.hooks.showConfig())["environment"]["MTIA_SAMPLE_DEVICE_MEMORY"] ==
          64 * MiB);
  }
  {
    mtia_test::ScopedEnv env("MTIA_SAMPLE_DEVICE_MEMORY", "4194304");
    SamplePlugin p;
    CHECK(p.stat("total_bytes") == 4 * MiB);
  }
  {
    mtia_test::ScopedEnv env("MTIA_SAMPLE_DEVICE_MEMORY", "1099511627776");  // the largest: 1 TiB
    SamplePlugin p;
    CHECK(p.stat("total_bytes") == uint64_t{1} << 40);
  }
  for (const char* bad : {"lots", "64MiB", "3145728", "0", "1048576", "1099513724928", "-2097152",
                          " 2097152", "+2097152", "2097152 ", "99999999999999999999999"}) {
    INFO(bad);
    mtia_test::ScopedEnv env("MTIA_SAMPLE_DEVICE_MEMORY", bad);
    const mtia::LoadError e = mtia_test::loadErrorOf(mtia_test::samplePluginPath());
    CHECK(e.step() == mtia::LoadStep::Initialize);
    CHECK(e.cause() == std::string("initialize() returned INVALID_ARGUMENT: "
                                   "MTIA_SAMPLE_DEVICE_MEMORY='") +
                           bad +
                           "' is not a number of bytes that is a multiple of 2097152 (2 MiB) from "
                           "2097152 to 1099511627776 (1 TiB)");
  }
}

TEST_CASE("An allocation beyond capacity first releases the cache and retries", "[memory][oom][simulator]") {
  mtia_test::ScopedEnv env("MTIA_SAMPLE_DEVICE_MEMORY", "67108864");
  SamplePlugin p;
  int observed = 0;
  p.hooks.attachOutOfMemoryObserver([&](int64_t, uint64_t, uint64_t, uint64_t) { ++observed; });
  p.hooks.deviceFree(p.alloc(40 * MiB));
  CHECK(p.stat("reserved_bytes") == 40 * MiB);  // cached, and too small for 48 MiB
  void* big = p.alloc(48 * MiB);
  CHECK(big != nullptr);
  const nlohmann::json s = p.dram();
  CHECK(s["reserved_bytes"] == 48 * MiB);
  CHECK(s["num_alloc_retries"] == 1);
  CHECK(s["num_ooms"] == 0);
  CHECK(observed == 0);
  p.hooks.deviceFree(big);
}

TEST_CASE("OOM: exact message, every observer called once, num_ooms counted", "[memory][oom][simulator]") {
  mtia_test::ScopedEnv env("MTIA_SAMPLE_DEVICE_MEMORY", "67108864");
  SamplePlugin p;
  struct Call {
    int64_t device;
    uint64_t requested, total, free;
  };
  std::vector<Call> first, second;
  p.hooks.attachOutOfMemoryObserver([&](int64_t d, uint64_t r, uint64_t t, uint64_t f) {
    first.push_back({d, r, t, f});
  });
  // A throwing observer must neither cross the ABI nor stop the others.
  p.hooks.attachOutOfMemoryObserver(
      [](int64_t, uint64_t, uint64_t, uint64_t) { throw std::runtime_error("observer failed"); });
  p.hooks.attachOutOfMemoryObserver([&](int64_t d, uint64_t r, uint64_t t, uint64_t f) {
    second.push_back({d, r, t, f});
  });

  void* held = p.alloc(40 * MiB, 1);
  CHECK(mtia_test::errorOf([&] { p.alloc(32 * MiB, 1); }) ==
        pluginError("deviceAlloc",
                    "out of memory on device 1: tried to allocate 33554432 bytes but only "
                    "25165824 of the device's 67108864 bytes are free (41943040 allocated, 0 "
                    "cached in partly used segments); free device memory or raise "
                    "MTIA_SAMPLE_DEVICE_MEMORY",
                    "OUT_OF_MEMORY"));
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  for (const Call& c : {first[0], second[0]}) {
    CHECK(c.device == 1);
    CHECK(c.requested == 32 * MiB);
    CHECK(c.total == 64 * MiB);
    CHECK(c.free == 24 * MiB);
  }
  CHECK(p.stat("num_ooms", 1) == 1);
  CHECK(p.stat("num_ooms", 0) == 0);

  // More than the capacity.
  CHECK(mtia_test::errorOf([&] { p.alloc(size_t{1} << 30, 1); }) ==
        pluginError("deviceAlloc",
                    "out of memory on device 1: tried to allocate 1073741824 bytes but only "
                    "25165824 of the device's 67108864 bytes are free (41943040 allocated, 0 "
                    "cached in partly used segments); free device memory or raise "
                    "MTIA_SAMPLE_DEVICE_MEMORY",
                    "OUT_OF_MEMORY"));
  CHECK(first.size() == 2);
  CHECK(second.size() == 2);
  CHECK(p.stat("num_ooms", 1) == 2);

  // A small request needs a new 2 MiB small-pool segment; the free tail of a
  // large segment cannot serve it.
  void* filler = p.alloc(23 * MiB, 1);  // a 24 MiB segment: the device is full
  CHECK(mtia_test::errorOf([&] { p.alloc(512, 1); }) ==
        pluginError("deviceAlloc",
                    "out of memory on device 1: tried to allocate 512 bytes, which needs a new "
                    "2097152-byte segment, but only 0 of the device's 67108864 bytes are free "
                    "(66060288 allocated, 1048576 cached in partly used segments); free device "
                    "memory or raise MTIA_SAMPLE_DEVICE_MEMORY",
                    "OUT_OF_MEMORY"));
  CHECK(first.size() == 3);
  CHECK(second.back().free == 0);
  CHECK(second.back().requested == 512);
  CHECK(p.stat("num_ooms", 1) == 3);
  p.hooks.deviceFree(filler);
  p.hooks.deviceFree(held);
  CHECK(p.alloc(512, 1) != nullptr);  // the cache is released for the small segment
}

TEST_CASE("Bad device pointers and devices get specific errors", "[memory][errors]") {
  SamplePlugin p;
  using mtia_test::hexAddress;
  CHECK(mtia_test::errorOf([&] { p.alloc(64, 2); }) ==
        pluginError("deviceAlloc",
                    "device index 2 is out of range: " MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1)",
                    "INVALID_ARGUMENT"));
  CHECK(mtia_test::errorOf([&] { p.hooks.memoryStats(-1); }) ==
        pluginError("memoryStats",
                    "device index -1 is out of range: " MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1)",
                    "INVALID_ARGUMENT"));
  CHECK(mtia_test::errorOf([&] { p.hooks.resetPeakMemoryStats(9); }) ==
        pluginError("resetPeakMemoryStats",
                    "device index 9 is out of range: " MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1)",
                    "INVALID_ARGUMENT"));

  int on_stack = 0;
  CHECK(mtia_test::errorOf([&] { p.hooks.deviceFree(&on_stack); }) ==
        pluginError("deviceFree",
                    hexAddress(&on_stack) + " is not a live allocation of " MTIA_TEST_PLUGIN_NOUN
                                            ": pass the pointer that device_alloc returned",
                    "INVALID_ARGUMENT"));

  for (const size_t size : {size_t{4096}, 3 * MiB}) {
    INFO(size);
    auto* block = static_cast<char*>(p.alloc(size, 1));
    CHECK(mtia_test::errorOf([&] { p.hooks.deviceFree(block + 256); }) ==
          pluginError("deviceFree",
                      hexAddress(block + 256) + " is not a live allocation of " MTIA_TEST_PLUGIN_NOUN
                                                ": pass the pointer that device_alloc returned",
                      "INVALID_ARGUMENT"));
    p.hooks.deviceFree(block);
    CHECK(mtia_test::errorOf([&] { p.hooks.deviceFree(block); }) ==
          pluginError("deviceFree",
                      hexAddress(block) + " is not a live allocation of " MTIA_TEST_PLUGIN_NOUN
                                          ": pass the pointer that device_alloc returned",
                      "INVALID_ARGUMENT"));
  }
  // Failed calls changed nothing.
  CHECK(p.stat("num_frees", 1) == 2);
  CHECK(p.stat("active_allocations", 1) == 0);
}

TEST_CASE("Memory of a device survives the other device's emptyCache", "[memory][cache][simulator]") {
  SamplePlugin p;
  void* on0 = p.alloc(100 * KiB, 0);
  p.hooks.deviceFree(p.alloc(100 * KiB, 1));
  p.hooks.emptyCache();
  CHECK(p.stat("reserved_bytes", 1) == 0);
  CHECK(p.stat("reserved_bytes", 0) == 2 * MiB);
  std::memset(on0, 1, 100 * KiB);
  p.hooks.deviceFree(on0);
}

TEST_CASE("isPinnedPtr is true exactly inside live pinned allocations", "[memory][pinned]") {
  SamplePlugin p;
  mtia::Allocator* pinned = p.hooks.getPinnedMemoryAllocator();
  REQUIRE(pinned != nullptr);
  mtia::DataPtr a = pinned->allocate(1000);
  mtia::DataPtr b = pinned->allocate(64);
  auto* bytes = static_cast<char*>(a.get());
  REQUIRE(bytes != nullptr);
  std::memset(bytes, 7, 1000);
  CHECK(p.hooks.isPinnedPtr(bytes));
  CHECK(p.hooks.isPinnedPtr(bytes + 1));
  CHECK(p.hooks.isPinnedPtr(bytes + 999));
  CHECK_FALSE(p.hooks.isPinnedPtr(bytes + 1000));
  CHECK_FALSE(p.hooks.isPinnedPtr(bytes - 1));
  CHECK(p.hooks.isPinnedPtr(b.get()));
  int on_stack = 0;
  CHECK_FALSE(p.hooks.isPinnedPtr(&on_stack));
  CHECK_FALSE(p.hooks.isPinnedPtr(nullptr));
  void* device = p.alloc(4096);
  CHECK_FALSE(p.hooks.isPinnedPtr(device));  // device memory is not pinned host memory
  p.hooks.deviceFree(device);

  a.reset();
  CHECK_FALSE(p.hooks.isPinnedPtr(bytes));
  CHECK_FALSE(p.hooks.isPinnedPtr(bytes + 10));
  CHECK(p.hooks.isPinnedPtr(b.get()));
  b.reset();
  CHECK(!pinned->allocate(0));  // an empty DataPtr
}
