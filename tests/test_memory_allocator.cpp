// The sample plugin's simulated driver from inside (sample_plugin/sim/driver.h):
// block sizes and pools, findDeviceRange, best fit with splitting and coalescing,
// and device_free's wait for queued work. Linked with the driver library.
#include "sim/driver.h"
#include "test_memory_support.h"

#include <atomic>
#include <cstring>

using mtia_test::KiB;
using mtia_test::MiB;

namespace {

// The driver, initialised for one test case.
struct Driver {
  Driver() { sim::init(); }
  ~Driver() { sim::shutdown(); }
};

char* alloc(int32_t device, size_t bytes) { return static_cast<char*>(sim::deviceAlloc(device, bytes)); }

bool inside(const void* p, size_t bytes, int32_t* device = nullptr) {
  int32_t ignored = -1;
  return sim::findDeviceRange(p, bytes, device != nullptr ? device : &ignored);
}

}  // namespace

// Every request is rounded up to a multiple of 512; up to 1 MiB it comes from
// the small pool's 2 MiB segments, above from a large segment of whole 2 MiB.
TEST_CASE("Blocks are requests rounded up to 512 bytes, in a small or a large segment",
          "[memory][allocator]") {
  Driver driver;
  struct Case {
    size_t bytes, block, segment;
    bool small;
  };
  for (const Case& c : {Case{1, 512, 2 * MiB, true}, Case{512, 512, 2 * MiB, true},
                        Case{513, 1024, 2 * MiB, true}, Case{5 * KiB + 1, 5632, 2 * MiB, true},
                        Case{MiB, MiB, 2 * MiB, true}, Case{MiB + 1, MiB + 512, 2 * MiB, false},
                        Case{2 * MiB + 1, 2 * MiB + 512, 4 * MiB, false},
                        Case{5 * MiB + 100, 5 * MiB + 512, 6 * MiB, false}}) {
    INFO(c.bytes);
    char* p = alloc(0, c.bytes);
    CHECK(sim::memoryStats(0).allocated == c.block);
    const sim::Snapshot snap = sim::snapshot();
    REQUIRE(snap.segments.size() == 1);
    CHECK(snap.segments.begin()->second.size == c.segment);
    CHECK(snap.segments.begin()->second.small == c.small);
    CHECK(snap.segments.begin()->second.blocks.at(p).size == c.block);
    sim::deviceFree(p);
    sim::emptyCache();
  }
}

TEST_CASE("Small requests of any size share the small pool's segments", "[memory][allocator]") {
  Driver driver;
  char* a = alloc(0, 700);
  char* b = alloc(0, 300 * KiB);
  char* c = alloc(0, MiB);
  CHECK(b == a + 1024);  // best fit: the rest of the first segment
  CHECK(c == b + 300 * KiB);
  CHECK(sim::memoryStats(0).segments == 1);
  char* d = alloc(0, MiB);  // 1 MiB + 301 KiB are taken: it needs a second segment
  CHECK(sim::memoryStats(0).segments == 2);
  for (char* p : {a, b, c, d}) sim::deviceFree(p);
}

TEST_CASE("findDeviceRange accepts exactly the ranges inside live allocations", "[memory][allocator]") {
  Driver driver;
  for (const size_t size : {size_t{1000}, 5 * MiB + 100}) {
    INFO(size);
    char* p = alloc(1, size);
    int32_t device = -1;
    CHECK(inside(p, size, &device));
    CHECK(device == 1);
    CHECK(inside(p, 0));
    CHECK(inside(p + 10, size - 10));
    CHECK(inside(p + size - 1, 1));
    CHECK_FALSE(inside(p, size + 1));  // past the requested size
    CHECK_FALSE(inside(p + 10, size - 9));
    CHECK_FALSE(inside(p + size, 0));  // one past the end
    CHECK_FALSE(inside(p + 1, SIZE_MAX));  // no wrap-around
    CHECK_FALSE(inside(p - 1, 1));
    sim::deviceFree(p);
    CHECK_FALSE(inside(p, 1));
  }
  int on_stack = 0;
  CHECK_FALSE(inside(&on_stack, 1));
  sim::emptyCache();
  CHECK(sim::memoryStats(1).reserved == 0);
}

TEST_CASE("Two live blocks never overlap, whatever the sizes", "[memory][allocator]") {
  Driver driver;
  std::vector<std::pair<char*, size_t>> live;
  for (size_t size = 1; size < 6 * MiB; size = size * 3 + 7) {
    live.emplace_back(alloc(0, size), size);
    live.emplace_back(alloc(0, size), size);
  }
  for (const auto& [p, size] : live) {
    for (const auto& [q, other] : live) {
      if (p != q) CHECK((p + size <= q || q + other <= p));
    }
    CHECK_FALSE(inside(p + size, 1));
  }
  for (const auto& [p, size] : live) sim::deviceFree(p);
  CHECK(sim::memoryStats(0).allocated == 0);
}

TEST_CASE("Freed large blocks are reused exactly and still coalesce", "[memory][allocator]") {
  Driver driver;
  char* a = alloc(0, 4 * MiB);  // a 4 MiB segment
  sim::deviceFree(a);
  CHECK(alloc(0, 4 * MiB) == a);  // the same block, no new segment
  CHECK(sim::memoryStats(0).reserved == 4 * MiB);
  sim::deviceFree(a);
  sim::emptyCache();

  // Two parts of one 8 MiB segment: freeing both leaves one free block.
  char* first = alloc(0, 8 * MiB);
  sim::deviceFree(first);
  char* left = alloc(0, 3 * MiB);
  char* right = alloc(0, 5 * MiB);
  CHECK(left == first);
  CHECK(right == first + 3 * MiB);
  sim::deviceFree(left);   // no free neighbour
  sim::deviceFree(right);  // merges with `left`
  const sim::Snapshot snap = sim::snapshot();
  REQUIRE(snap.segments.size() == 1);
  const sim::Segment& seg = snap.segments.begin()->second;
  REQUIRE(seg.blocks.size() == 1);
  CHECK_FALSE(seg.blocks.begin()->second.allocated);
  CHECK(seg.blocks.begin()->second.size == 8 * MiB);
  CHECK(alloc(0, 8 * MiB) == first);
  sim::deviceFree(first);
  sim::emptyCache();
  CHECK(sim::memoryStats(0).segments == 0);
}

TEST_CASE("device_free waits for the work queued before it", "[memory][allocator][exec]") {
  Driver driver;
  sim::Stream& s = sim::createStream(0);
  constexpr size_t kBytes = 64 * KiB;
  char* block = alloc(0, kBytes);
  std::memset(block, 0x5A, kBytes);
  std::atomic<bool> open{false}, freed{false};
  std::vector<unsigned char> seen(kBytes, 0);
  // The stream is blocked, then copies the block out: the free must wait.
  sim::hostFuncAsync(s, [&] {
    while (!open.load()) std::this_thread::yield();
    return 0;
  });
  sim::memcpyAsync(s, seen.data(), block, kBytes, sim::Copy::DeviceToHost);
  std::thread freeing([&] {
    sim::deviceFree(block);
    freed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(freed.load());  // still waiting for the stream
  open = true;
  freeing.join();
  CHECK(s.idle());  // the copy ran before the block went back to the cache
  char* again = alloc(0, kBytes);
  CHECK(again == block);  // the same block is reused only now
  std::memset(again, 0, kBytes);
  s.synchronize();
  CHECK(seen == std::vector<unsigned char>(kBytes, 0x5A));
  sim::deviceFree(again);
}
