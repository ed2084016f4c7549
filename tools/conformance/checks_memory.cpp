// checks_memory.cpp — the memory group: statistics exactness (allocated,
// peak and its reset, num_allocs/num_frees, empty_cache), pinned memory, OOM
// observers, the snapshot's shape, and (ABI 1.2) freeing memory that queued
// work still uses.
#include "support.h"

#include <cstring>
#include <memory>

namespace mtia_conformance {

namespace {

const Needs kMemory{{"memory"}, {}, 0, 1};
const Needs kFreeQueued{{"stream", "memory"}, {MTIA_EXT_STREAMS_V1, MTIA_EXT_EXEC_V1}, 2, 1};

constexpr int64_t kMiB = 1 << 20;

std::string n(int64_t v) { return std::to_string(v); }

std::string allocated(Context& c) {
  for (int d = 0; d < c.devices; ++d) {
    const nlohmann::json dram = dramStats(c.hooks, d);
    const int64_t a = dramStat(dram, "allocated_bytes"), p = dramStat(dram, "peak_bytes");
    expect(a <= p, "device " + str(d) + ": allocated_bytes " + n(a) + " > peak_bytes " + n(p));
  }
  const nlohmann::json before = dramStats(c.hooks, 0);
  DeviceBuffer buf(c.hooks, 0, kMiB);
  const nlohmann::json during = dramStats(c.hooks, 0);
  buf.release();
  const nlohmann::json after = dramStats(c.hooks, 0);
  const int64_t b = dramStat(before, "allocated_bytes"), d = dramStat(during, "allocated_bytes"),
                a = dramStat(after, "allocated_bytes");
  expect(d >= b + kMiB, "deviceAlloc(0, 1 MiB) moved allocated_bytes from " + n(b) + " to " +
                            n(d));
  expect(dramStat(during, "peak_bytes") >= d, "peak_bytes " + n(dramStat(during, "peak_bytes")) +
                                                  " is below allocated_bytes " + n(d));
  expect(a == b, "deviceFree left allocated_bytes at " + n(a) + ", not " + n(b));
  if (before.contains("requested_bytes")) {
    const int64_t rb = dramStat(before, "requested_bytes"), rd = dramStat(during, "requested_bytes");
    expect(rd - rb == kMiB, "deviceAlloc(0, 1 MiB) moved requested_bytes by " + n(rd - rb));
  }
  return "allocated_bytes rose by " + n(d - b) + " for 1 MiB and came back exactly";
}

std::string peakReset(Context& c) {
  c.hooks.resetPeakMemoryStats(0);
  const int64_t base = dramStat(dramStats(c.hooks, 0), "allocated_bytes");
  DeviceBuffer buf(c.hooks, 0, 2 * kMiB);
  buf.release();
  const nlohmann::json peaked = dramStats(c.hooks, 0);
  expect(dramStat(peaked, "peak_bytes") >= base + 2 * kMiB,
         "after a 2 MiB allocation was freed, peak_bytes is " + n(dramStat(peaked, "peak_bytes")) +
             " (allocated before: " + n(base) + ")");
  c.hooks.resetPeakMemoryStats(0);
  const nlohmann::json reset = dramStats(c.hooks, 0);
  expect(dramStat(reset, "peak_bytes") == dramStat(reset, "allocated_bytes"),
         "after resetPeakMemoryStats(0), peak_bytes " + n(dramStat(reset, "peak_bytes")) +
             " != allocated_bytes " + n(dramStat(reset, "allocated_bytes")));
  return "peak_bytes kept the 2 MiB peak and reset to allocated_bytes";
}

std::string counts(Context& c) {
  const nlohmann::json before = dramStats(c.hooks, 0);
  if (!before.contains("num_allocs") || !before.contains("num_frees")) {
    throw NotApplicable("memoryStats()[\"dram\"] has no num_allocs / num_frees");
  }
  {
    DeviceBuffer x(c.hooks, 0, 4096), y(c.hooks, 0, 3 * kMiB);
  }
  const nlohmann::json after = dramStats(c.hooks, 0);
  const int64_t allocs = dramStat(after, "num_allocs") - dramStat(before, "num_allocs");
  const int64_t frees = dramStat(after, "num_frees") - dramStat(before, "num_frees");
  expect(allocs == 2 && frees == 2, "two allocations and two frees moved num_allocs by " +
                                        n(allocs) + " and num_frees by " + n(frees));
  return "num_allocs and num_frees count each call exactly";
}

std::string emptyCache(Context& c) {
  c.hooks.emptyCache();
  const nlohmann::json before = dramStats(c.hooks, 0);
  if (!before.contains("reserved_bytes")) {
    throw NotApplicable("memoryStats()[\"dram\"] has no reserved_bytes");
  }
  DeviceBuffer buf(c.hooks, 0, 8 * kMiB);
  const int64_t during = dramStat(dramStats(c.hooks, 0), "reserved_bytes");
  buf.release();
  c.hooks.emptyCache();
  const int64_t r0 = dramStat(before, "reserved_bytes");
  const int64_t r2 = dramStat(dramStats(c.hooks, 0), "reserved_bytes");
  expect(during >= r0 + 8 * kMiB, "an 8 MiB allocation moved reserved_bytes from " + n(r0) +
                                      " to " + n(during));
  expect(r2 == r0, "after freeing the 8 MiB and emptyCache(), reserved_bytes is " + n(r2) +
                       ", not " + n(r0));
  return "emptyCache() released the freed 8 MiB";
}

std::string pinned(Context& c) {
  mtia::DataPtr p = c.hooks.getPinnedMemoryAllocator()->allocate(4096);
  char* base = static_cast<char*>(p.get());
  expect(base != nullptr, "the pinned allocator returned nullptr for 4096 bytes");
  expect(c.hooks.isPinnedPtr(base), "isPinnedPtr() is false for a pinned allocation");
  expect(c.hooks.isPinnedPtr(base + 4095), "isPinnedPtr() is false for its last byte");
  std::memset(base, 0x5C, 4096);
  expect(base[0] == 0x5C && base[4095] == 0x5C, "pinned memory does not keep what was written");
  const int local = 0;
  expect(!c.hooks.isPinnedPtr(&local), "isPinnedPtr() is true for a stack address");
  const auto heap = std::make_unique<char[]>(64);
  expect(!c.hooks.isPinnedPtr(heap.get()), "isPinnedPtr() is true for ordinary heap memory");
  p = mtia::DataPtr();
  expect(!c.hooks.isPinnedPtr(base), "isPinnedPtr() is still true after the memory was freed");
  return "pinned memory is usable and isPinnedPtr() is exact";
}

struct OomSeen {
  std::mutex mutex;
  int calls = 0;
  int device = -1;
  uint64_t requested = 0, total = 0;
};

std::string oom(Context& c) {
  const nlohmann::json props = c.hooks.getDeviceProperties(0);
  const auto total = props.find("total_memory");
  if (total == props.end() || !total->is_number_unsigned() || total->get<uint64_t>() == 0) {
    throw NotApplicable("cannot drive the plugin to OOM: getDeviceProperties(0) gives no "
                        "total_memory");
  }
  const uint64_t bytes = 2 * total->get<uint64_t>();
  auto seen = std::make_shared<OomSeen>();  // the observer stays registered until unload
  c.hooks.attachOutOfMemoryObserver([seen](int64_t device, uint64_t requested, uint64_t dev_total,
                                           uint64_t /*dev_free*/) {
    std::lock_guard<std::mutex> lock(seen->mutex);
    ++seen->calls;
    seen->device = static_cast<int>(device);
    seen->requested = requested;
    seen->total = dev_total;
  });
  std::string code = "no error";
  try {
    c.hooks.deviceFree(c.hooks.deviceAlloc(0, bytes));
  } catch (const mtia::PluginError& e) {
    code = mtia::statusName(e.code());
  }
  if (code == "no error") {
    throw NotApplicable("cannot drive the plugin to OOM: deviceAlloc(0, 2 x total_memory) "
                        "succeeded");
  }
  expect(code == "OUT_OF_MEMORY",
         "deviceAlloc(0, " + n(static_cast<int64_t>(bytes)) + ") gave " + code);
  std::lock_guard<std::mutex> lock(seen->mutex);
  expect(seen->calls == 1, "an OUT_OF_MEMORY allocation called the OOM observer " +
                               n(seen->calls) + " times, expected once");
  expect(seen->device == 0 && seen->requested == bytes && seen->total == total->get<uint64_t>(),
         "the OOM observer saw device " + n(seen->device) + ", requested " +
             n(static_cast<int64_t>(seen->requested)) + ", total " +
             n(static_cast<int64_t>(seen->total)) + "; expected 0, " +
             n(static_cast<int64_t>(bytes)) + ", " + n(total->get<int64_t>()));
  return "OUT_OF_MEMORY called the observer once with the request and the device total";
}

void expectShape(bool ok, const std::string& what, const nlohmann::json& snapshot) {
  std::string text = jsonText(snapshot);
  if (text.size() > 300) text = text.substr(0, 300) + "...";
  expect(ok, "memorySnapshot(): " + what + ": " + text);
}

std::string snapshot(Context& c) {
  std::unique_ptr<DeviceBuffer> live;
  try {
    live = std::make_unique<DeviceBuffer>(c.hooks, 0, kMiB);
  } catch (const mtia::PluginError& e) {
    if (e.code() != MTIA_STATUS_NOT_SUPPORTED) throw;
  }
  const nlohmann::json snap = c.hooks.memorySnapshot(std::nullopt);
  expectShape(snap.is_object() && snap.contains("segments") && snap["segments"].is_array(),
              "no \"segments\" array", snap);
  bool found = false;
  for (const nlohmann::json& seg : snap["segments"]) {
    expectShape(seg.is_object() && seg.value("device", -1) >= 0 &&
                    seg.value("device", -1) < c.devices && seg.contains("total_size") &&
                    seg["total_size"].is_number_unsigned() && seg.contains("blocks") &&
                    seg["blocks"].is_array(),
                "a segment lacks device, total_size or blocks", seg);
    for (const nlohmann::json& block : seg["blocks"]) {
      expectShape(block.is_object() && block.contains("size") &&
                      block["size"].is_number_unsigned() && block.contains("state") &&
                      block["state"].is_string(),
                  "a block lacks size or state", block);
      found = found || (seg["device"] == 0 && block["state"] == "active_allocated" &&
                        block["size"].get<uint64_t>() >= static_cast<uint64_t>(kMiB));
    }
  }
  if (snap.contains("device_traces")) {
    expectShape(snap["device_traces"].is_array() &&
                    snap["device_traces"].size() == static_cast<size_t>(c.devices),
                "device_traces is not one array per device", snap);
  }
  expectShape(!live || found, "no active_allocated block of >= 1 MiB for a live 1 MiB allocation",
              snap);
  return "segments, blocks" + std::string(live ? " and the live allocation" : "") + " present";
}

std::string freeQueued(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream a = c.hooks.createStream(0), b = c.hooks.createStream(0);
  constexpr size_t kSize = 65536;
  const HostBuffer seen_by_queued(kSize), fresh(kSize);
  Probe gate(/*closed=*/true);
  std::atomic<bool> b_done{false};
  std::thread opener([&] {
    waitUntil([&] { return b_done.load(); }, 5.0);
    gate.open();
  });
  struct Join {
    std::thread& t;
    ~Join() { t.join(); }
  } join{opener};
  char* x = static_cast<char*>(c.hooks.deviceAlloc(0, kSize));
  expect(x != nullptr, "deviceAlloc(0, 65536) returned nullptr");
  gate.enqueue(exec, a);
  exec.memset(a, x, 0xAB, kSize);
  exec.memcpy(a, seen_by_queued.data(), x, kSize, mtia::MemcpyKind::DeviceToHost);
  c.step("deviceFree() of memory queued work still uses to return");
  c.hooks.deviceFree(x);  // the work queued on `a` still uses it
  DeviceBuffer y(c.hooks, 0, kSize);
  exec.memset(b, y.get(), 0x11, kSize);
  synchronize(c, exec, b);
  b_done = true;
  synchronize(c, exec, a);
  exec.memcpy(b, fresh.data(), y.get(), kSize, mtia::MemcpyKind::DeviceToHost);
  synchronize(c, exec, b);
  std::string diff = firstDifference(seen_by_queued.bytes(), std::vector<unsigned char>(kSize, 0xAB));
  expect(diff.empty(), "work queued before deviceFree saw other bytes: " + diff);
  diff = firstDifference(fresh.bytes(), std::vector<unsigned char>(kSize, 0x11));
  expect(diff.empty(), "memory allocated after a deviceFree that queued work still used was "
                       "overwritten by that work: " + diff);
  return "queued work kept its memory; the next allocation was not touched by it";
}

}  // namespace

std::vector<Check> memoryChecks() {
  return {
      {"memory.allocated",
       "allocated_bytes <= peak_bytes; an allocation raises allocated_bytes and its free "
       "restores it exactly",
       kMemory, true, allocated},
      {"memory.peak_reset", "peak_bytes keeps the peak; resetPeakMemoryStats resets it", kMemory,
       true, peakReset},
      {"memory.counts", "num_allocs and num_frees count each allocation and free", kMemory, true,
       counts},
      {"memory.empty_cache", "emptyCache() releases cached memory (reserved_bytes)", kMemory,
       true, emptyCache},
      {"memory.pinned", "pinned memory is usable and isPinnedPtr() is exact", kMemory, true,
       pinned},
      {"memory.oom", "OUT_OF_MEMORY calls each OOM observer once, with the request", kMemory,
       false, oom},
      {"memory.snapshot", "memorySnapshot() has segments of blocks and shows live allocations",
       kMemory, true, snapshot},
      {"memory.free_queued",
       "freeing memory that queued work uses is safe: the work completes, later allocations "
       "are untouched (ABI 1.2)",
       kFreeQueued, false, freeQueued},
  };
}

}  // namespace mtia_conformance
