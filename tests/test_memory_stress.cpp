// The caching allocator under load: a random sequence checked against a
// model after every step, and eight threads allocating at once.
#include "test_memory_support.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

using mtia_test::documentedBlockSize;
using mtia_test::KiB;
using mtia_test::MiB;
using mtia_test::SamplePlugin;

namespace {

// A request size: mostly small, some mid-sized, a few large.
size_t randomSize(std::mt19937_64& rng) {
  const unsigned kind = std::uniform_int_distribution<unsigned>(0, 99)(rng);
  if (kind < 80) return std::uniform_int_distribution<size_t>(1, 64 * KiB)(rng);
  if (kind < 95) return std::uniform_int_distribution<size_t>(64 * KiB, MiB)(rng);
  return std::uniform_int_distribution<size_t>(MiB + 1, 12 * MiB)(rng);
}

// Writes a tag into the first and last 8 bytes of a block; checks it later.
void tag(void* p, size_t size, uint64_t value) {
  std::memcpy(p, &value, sizeof(value));
  if (size >= 16) std::memcpy(static_cast<char*>(p) + size - 8, &value, sizeof(value));
}
bool hasTag(const void* p, size_t size, uint64_t value) {
  uint64_t head = 0, tail = value;
  std::memcpy(&head, p, sizeof(head));
  if (size >= 16) std::memcpy(&tail, static_cast<const char*>(p) + size - 8, sizeof(tail));
  return head == value && tail == value;
}

struct Live {
  size_t requested;
  size_t block;
  uint64_t tag;
};

// What the stats of one device must be.
struct Model {
  std::map<uintptr_t, Live> live;  // by address
  uint64_t allocated = 0, requested = 0, peak = 0, allocs = 0, frees = 0;

  void add(void* p, size_t bytes, uint64_t t) {
    const size_t block = documentedBlockSize(bytes);
    const auto start = reinterpret_cast<uintptr_t>(p);
    // No overlap with the neighbours on either side.
    const auto next = live.lower_bound(start);
    if (next != live.end()) REQUIRE(start + block <= next->first);
    if (next != live.begin()) REQUIRE(std::prev(next)->first + std::prev(next)->second.block <= start);
    live.emplace(start, Live{bytes, block, t});
    allocated += block;
    requested += bytes;
    peak = std::max(peak, allocated);
    ++allocs;
  }
  void remove(std::map<uintptr_t, Live>::iterator it) {
    allocated -= it->second.block;
    requested -= it->second.requested;
    ++frees;
    live.erase(it);
  }
};

void checkStats(const SamplePlugin& p, int device, const Model& m) {
  const nlohmann::json s = p.dram(device);
  REQUIRE(s["allocated_bytes"] == m.allocated);
  REQUIRE(s["requested_bytes"] == m.requested);
  REQUIRE(s["peak_bytes"] == m.peak);
  REQUIRE(s["active_allocations"] == m.live.size());
  REQUIRE(s["num_allocs"] == m.allocs);
  REQUIRE(s["num_frees"] == m.frees);
  REQUIRE(s["num_ooms"] == 0);
  const uint64_t reserved = s["reserved_bytes"];
  REQUIRE(reserved >= m.allocated);
  REQUIRE(reserved % (2 * MiB) == 0);
  // cached_bytes is reserved - allocated by definition (the deterministic
  // cases in test_memory.cpp check it against known segment sizes).
  REQUIRE(s["peak_reserved_bytes"].get<uint64_t>() >= reserved);
}

}  // namespace

TEST_CASE("Stats stay exact over 10,000 random allocs and frees", "[memory][stats][model]") {
  SamplePlugin p;
  std::mt19937_64 rng(20240611);
  Model models[2];
  uint64_t next_tag = 1;
  for (int step = 0; step < 10000; ++step) {
    const int device = static_cast<int>(rng() % 2);
    Model& m = models[device];
    const bool alloc = m.live.empty() || (m.live.size() < 150 && rng() % 100 < 55);
    if (alloc) {
      size_t bytes = randomSize(rng);
      if (m.allocated + bytes > 256 * MiB) bytes = 1 + rng() % (4 * KiB);  // stay far from OOM
      void* ptr = p.alloc(bytes, device);
      tag(ptr, bytes, next_tag);
      m.add(ptr, bytes, next_tag++);
    } else {
      auto it = m.live.begin();
      std::advance(it, static_cast<long>(rng() % m.live.size()));
      void* ptr = reinterpret_cast<void*>(it->first);
      REQUIRE(hasTag(ptr, it->second.requested, it->second.tag));
      p.hooks.deviceFree(ptr);
      m.remove(it);
    }
    if (step % 1000 == 999) p.hooks.emptyCache();
    if (step % 1500 == 1499) {
      p.hooks.resetPeakMemoryStats(static_cast<mtia::DeviceIndex>(device));
      m.peak = m.allocated;
    }
    checkStats(p, device, m);
  }
  // The snapshot agrees with the stats.
  const nlohmann::json snap = p.hooks.memorySnapshot(std::nullopt);
  for (int d = 0; d < 2; ++d) {
    uint64_t reserved = 0, allocated = 0;
    for (const auto& seg : snap["segments"]) {
      if (seg["device"] != d) continue;
      reserved += seg["total_size"].get<uint64_t>();
      allocated += seg["allocated_size"].get<uint64_t>();
    }
    CHECK(reserved == p.stat("reserved_bytes", d));
    CHECK(allocated == models[d].allocated);
  }
  for (Model& m : models) {
    while (!m.live.empty()) {
      p.hooks.deviceFree(reinterpret_cast<void*>(m.live.begin()->first));
      m.remove(m.live.begin());
    }
  }
  p.hooks.emptyCache();
  for (int d = 0; d < 2; ++d) {
    checkStats(p, d, models[d]);
    CHECK(p.stat("reserved_bytes", d) == 0);
  }
}

TEST_CASE("Eight threads allocate and free at once with exact final stats",
          "[memory][threads]") {
  SamplePlugin p;
  constexpr int kThreads = 8;
  constexpr int kOps = 3000;
  constexpr size_t kFilled = 256 * KiB;  // bytes of each block filled with the thread's mark
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  uint64_t allocs[2] = {0, 0};
  std::vector<std::thread> threads;
  std::vector<uint64_t> counts(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) + 1);
      const int device = t % 2;
      struct Block {
        void* ptr;
        size_t size;
        uint64_t tag;
      };
      std::vector<Block> live;
      for (int op = 0; op < kOps; ++op) {
        if (live.empty() || (live.size() < 24 && rng() % 2 == 0)) {
          const size_t size = rng() % 20 == 0 ? MiB + rng() % (3 * MiB)
                                              : 1 + rng() % (128 * KiB);
          void* ptr = p.alloc(size, device);
          const uint64_t value = (static_cast<uint64_t>(t) << 32) | static_cast<uint64_t>(op);
          std::memset(ptr, static_cast<int>(t + 1), std::min(size, kFilled));  // overlap shows
          tag(ptr, size, value);
          live.push_back({ptr, size, value});
          ++counts[static_cast<size_t>(t)];
        } else {
          const size_t i = rng() % live.size();
          const Block b = live[i];
          const auto* bytes = static_cast<const unsigned char*>(b.ptr);
          bool intact = hasTag(b.ptr, b.size, b.tag);
          for (size_t k = 8; k + 8 < std::min(b.size, kFilled); k += 997) {
            intact = intact && bytes[k] == t + 1;
          }
          if (!intact) ++failures;
          p.hooks.deviceFree(b.ptr);
          live[i] = live.back();
          live.pop_back();
        }
      }
      for (const Block& b : live) p.hooks.deviceFree(b.ptr);
    });
  }
  // Meanwhile: the stats are consistent at every moment, and emptyCache runs.
  std::thread observer([&] {
    while (!done.load()) {
      for (int d = 0; d < 2; ++d) {
        const nlohmann::json s = p.dram(d);
        const uint64_t allocated = s["allocated_bytes"], reserved = s["reserved_bytes"];
        const uint64_t active = s["active_allocations"];
        // Bounds the test knows: each device has kThreads / 2 threads with at
        // most 24 live blocks, each of 512 bytes to 4 MiB.
        const bool ok = allocated <= reserved && active <= kThreads / 2 * 24 &&
                        512 * active <= allocated && allocated <= 4 * MiB * active &&
                        s["peak_bytes"].get<uint64_t>() >= allocated;
        if (!ok) ++failures;
      }
      p.hooks.emptyCache();
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  observer.join();
  for (int t = 0; t < kThreads; ++t) allocs[t % 2] += counts[static_cast<size_t>(t)];

  CHECK(failures == 0);
  for (int d = 0; d < 2; ++d) {
    INFO("device " << d);
    const nlohmann::json s = p.dram(d);
    CHECK(s["allocated_bytes"] == 0);
    CHECK(s["requested_bytes"] == 0);
    CHECK(s["active_allocations"] == 0);
    CHECK(s["num_allocs"] == allocs[d]);
    CHECK(s["num_frees"] == allocs[d]);
    CHECK(s["num_ooms"] == 0);
  }
  p.hooks.emptyCache();
  for (int d = 0; d < 2; ++d) {
    CHECK(p.stat("reserved_bytes", d) == 0);
    CHECK(p.stat("cached_bytes", d) == 0);
  }
}

// One thread does most of the work on a device while another frees some of
// its blocks and a third reads the stats.
TEST_CASE("Exact stats while three threads share one device's allocator",
          "[memory][threads]") {
  SamplePlugin p;
  constexpr int kBlocks = 20000;
  std::mutex handoff_mutex;
  std::deque<std::pair<void*, uint64_t>> handoff;  // blocks for the other thread to free
  std::atomic<bool> produced{false}, done{false};
  std::atomic<int> failures{0};
  std::thread producer([&] {
    std::mt19937_64 rng(7);
    for (int i = 0; i < kBlocks; ++i) {
      const size_t size = 1 + rng() % 4096;
      void* ptr = p.alloc(size);
      tag(ptr, size, static_cast<uint64_t>(i));
      if (i % 16 == 0) {
        std::lock_guard<std::mutex> lock(handoff_mutex);
        handoff.emplace_back(ptr, (static_cast<uint64_t>(i) << 16) | size);
      } else {
        if (!hasTag(ptr, size, static_cast<uint64_t>(i))) ++failures;
        p.hooks.deviceFree(ptr);
      }
    }
    produced = true;
  });
  std::thread consumer([&] {
    for (;;) {
      std::optional<std::pair<void*, uint64_t>> block;
      {
        std::lock_guard<std::mutex> lock(handoff_mutex);
        if (!handoff.empty()) {
          block = handoff.front();
          handoff.pop_front();
        }
      }
      if (block) {
        const size_t size = block->second & 0xffff;
        if (!hasTag(block->first, size, block->second >> 16)) ++failures;
        p.hooks.deviceFree(block->first);
      } else if (produced.load()) {
        std::lock_guard<std::mutex> lock(handoff_mutex);
        if (handoff.empty()) return;
      } else {
        std::this_thread::yield();
      }
    }
  });
  std::thread observer([&] {
    while (!done.load()) {
      const nlohmann::json s = p.dram();
      const uint64_t active = s["active_allocations"], allocated = s["allocated_bytes"];
      // Bounds the test knows: the producer's block and the handed-off ones
      // (every 16th) are live, each 1-4096 bytes, so a 512-4096-byte block.
      if (active > 1 + kBlocks / 16 || allocated < 512 * active || allocated > 4096 * active ||
          s["peak_bytes"].get<uint64_t>() < allocated) {
        ++failures;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  producer.join();
  consumer.join();
  done = true;
  observer.join();
  CHECK(failures == 0);
  const nlohmann::json s = p.dram();
  CHECK(s["allocated_bytes"] == 0);
  CHECK(s["active_allocations"] == 0);
  CHECK(s["num_allocs"] == kBlocks);
  CHECK(s["num_frees"] == kBlocks);
}
