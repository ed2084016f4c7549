// The sample plugin's device allocator from inside: findDeviceRange's
// building blocks (contains, deviceOfAddress) and the size classes. Compiled
// together with the plugin's allocator sources.
#include "memory_allocator.h"
#include "test_memory_support.h"

using mtia_sample::DeviceAllocator;
using mtia_sample::OomReport;
using mtia_test::KiB;
using mtia_test::MiB;

TEST_CASE("Block sizes follow the documented size classes", "[memory][allocator]") {
  for (size_t bytes = 1; bytes <= 2 * MiB; bytes += (bytes < 64 * KiB ? 1 : 509)) {
    INFO(bytes);
    REQUIRE(mtia_sample::blockSizeFor(bytes) == mtia_test::documentedBlockSize(bytes));
  }
  CHECK(mtia_sample::blockSizeFor(MiB) == MiB);
  CHECK(mtia_sample::blockSizeFor(MiB + 1) == MiB + 512);
}

TEST_CASE("contains() accepts exactly the ranges inside live allocations", "[memory][allocator]") {
  DeviceAllocator d0(0, 64 * MiB), d1(1, 64 * MiB);
  OomReport oom;
  for (const size_t size : {size_t{1000}, 5 * MiB + 100}) {
    INFO(size);
    auto* p = static_cast<char*>(d1.allocate(size, oom));
    REQUIRE(p != nullptr);
    CHECK(mtia_sample::deviceOfAddress(p) == 1);
    CHECK(d1.contains(p, size));
    CHECK(d1.contains(p, 0));
    CHECK(d1.contains(p + 10, size - 10));
    CHECK(d1.contains(p + size - 1, 1));
    CHECK_FALSE(d1.contains(p, size + 1));         // past the requested size
    CHECK_FALSE(d1.contains(p + 10, size - 9));
    CHECK_FALSE(d1.contains(p + size, 0));        // one past the end
    CHECK_FALSE(d1.contains(p + 1, SIZE_MAX));    // no wrap-around
    CHECK_FALSE(d0.contains(p, 1));               // another device's memory
    CHECK_FALSE(d1.contains(p - 1, 1));
    d1.free(p);
    CHECK_FALSE(d1.contains(p, 1));
  }
  int on_stack = 0;
  CHECK_FALSE(d0.contains(&on_stack, 1));
  CHECK(mtia_sample::deviceOfAddress(&on_stack) == -1);
  d1.emptyCache();
  CHECK(d1.stats().reserved_bytes == 0);
}

TEST_CASE("Two live blocks never overlap, whatever the sizes", "[memory][allocator]") {
  DeviceAllocator d(0, 256 * MiB);
  OomReport oom;
  std::vector<std::pair<char*, size_t>> live;
  for (size_t size = 1; size < 6 * MiB; size = size * 3 + 7) {
    live.emplace_back(static_cast<char*>(d.allocate(size, oom)), size);
    live.emplace_back(static_cast<char*>(d.allocate(size, oom)), size);
  }
  for (const auto& [p, size] : live) {
    for (const auto& [q, other] : live) {
      if (p != q) CHECK((p + size <= q || q + other <= p));
    }
    CHECK_FALSE(d.contains(p + size, 1));
  }
  for (const auto& [p, size] : live) d.free(p);
  CHECK(d.stats().allocated_bytes == 0);
}

TEST_CASE("Freed large blocks are reused exactly and still coalesce", "[memory][allocator]") {
  DeviceAllocator d(0, 64 * MiB);
  OomReport oom;
  char* a = static_cast<char*>(d.allocate(4 * MiB, oom));  // a 4 MiB segment
  d.free(a);
  CHECK(d.allocate(4 * MiB, oom) == a);  // the same block, no new segment
  CHECK(d.stats().reserved_bytes == 4 * MiB);
  d.free(a);
  d.emptyCache();

  // Two halves of one 8 MiB segment: freeing both leaves one free block.
  char* first = static_cast<char*>(d.allocate(8 * MiB, oom));
  d.free(first);
  char* left = static_cast<char*>(d.allocate(3 * MiB, oom));
  char* right = static_cast<char*>(d.allocate(5 * MiB, oom));
  CHECK(static_cast<void*>(left) == first);
  CHECK(static_cast<void*>(right) == first + 3 * MiB);
  d.free(left);   // no free neighbour
  d.free(right);  // merges with `left`
  const auto view = d.view();
  for (const auto& seg : view.segments) {
    INFO(seg.size);
    REQUIRE(seg.blocks.size() == 1);  // each segment is one free block again
    CHECK_FALSE(seg.blocks[0].allocated);
    CHECK(seg.blocks[0].size == seg.size);
  }
  REQUIRE(view.segments.size() == 1);
  CHECK(d.allocate(8 * MiB, oom) == static_cast<void*>(first));
  d.free(first);
  d.emptyCache();
  CHECK(d.stats().reserved_bytes == 0);
  CHECK(d.stats().segments == 0);
}
