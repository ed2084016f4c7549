// recordMemoryHistory and memorySnapshot of the sample plugin.
#include "test_memory_support.h"

#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

using mtia_test::KiB;
using mtia_test::MiB;
using mtia_test::pluginError;
using mtia_test::SamplePlugin;

namespace {

uint64_t address(const void* p) { return reinterpret_cast<uintptr_t>(p); }

// The segments of `device` in a snapshot.
std::vector<nlohmann::json> segmentsOf(const nlohmann::json& snapshot, int device) {
  std::vector<nlohmann::json> out;
  for (const auto& seg : snapshot["segments"]) {
    if (seg["device"] == device) out.push_back(seg);
  }
  return out;
}

// Every segment's blocks tile it exactly and its totals add up.
void checkSegmentsTile(const nlohmann::json& snapshot) {
  for (const auto& seg : snapshot["segments"]) {
    uint64_t next = seg["address"], allocated = 0, requested = 0;
    for (const auto& block : seg["blocks"]) {
      CHECK(block["address"] == next);
      next += block["size"].get<uint64_t>();
      if (block["state"] == "active_allocated") {
        allocated += block["size"].get<uint64_t>();
        requested += block["requested_size"].get<uint64_t>();
      } else {
        CHECK(block["state"] == "inactive");
      }
    }
    CHECK(next == seg["address"].get<uint64_t>() + seg["total_size"].get<uint64_t>());
    CHECK(seg["allocated_size"] == allocated);
    CHECK(seg["requested_size"] == requested);
  }
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("The snapshot shows segments with their blocks and the recorded trace",
          "[memory][snapshot]") {
  SamplePlugin p;
  p.hooks.recordMemoryHistory("all", "python", 1000);
  void* small = p.alloc(3000);
  void* large = p.alloc(3 * MiB);
  void* gone = p.alloc(3000);
  p.hooks.deviceFree(gone);

  const nlohmann::json snap = p.hooks.memorySnapshot(std::nullopt);
  CHECK(snap["history"] == nlohmann::json{{"enabled", "all"}, {"stacks", "python"},
                                          {"max_entries", 1000}});
  checkSegmentsTile(snap);
  const auto segments = segmentsOf(snap, 0);
  REQUIRE(segments.size() == 2);
  CHECK(segmentsOf(snap, 1).empty());

  // In address order; find each by type.
  const nlohmann::json& slab = segments[0]["segment_type"] == "small" ? segments[0] : segments[1];
  const nlohmann::json& big = segments[0]["segment_type"] == "large" ? segments[0] : segments[1];
  CHECK(slab["total_size"] == 2 * MiB);
  CHECK(slab["allocated_size"] == 3072);
  CHECK(slab["requested_size"] == 3000);
  const nlohmann::json& first = slab["blocks"][0];
  CHECK(first["address"] == address(small));
  CHECK(first["state"] == "active_allocated");
  CHECK(first["size"] == 3072);
  CHECK(first["requested_size"] == 3000);
  CHECK(first["alloc_seq"].get<uint64_t>() > 0);
  CHECK(slab["blocks"][1]["state"] == "inactive");  // `gone`, and the untouched rest

  CHECK(big["total_size"] == 4 * MiB);
  REQUIRE(big["blocks"].size() == 2);
  CHECK(big["blocks"][0]["address"] == address(large));
  CHECK(big["blocks"][0]["size"] == 3 * MiB);
  CHECK(big["blocks"][1]["state"] == "inactive");
  CHECK(big["blocks"][1]["size"] == 1 * MiB);

  REQUIRE(snap["device_traces"].size() == 2);
  CHECK(snap["device_traces"][1].empty());
  const nlohmann::json& trace = snap["device_traces"][0];
  const std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> expected = {
      {"segment_alloc", {slab["address"], 2 * MiB}},
      {"alloc", {address(small), 3072}},
      {"segment_alloc", {big["address"], 4 * MiB}},
      {"alloc", {address(large), 3 * MiB}},
      {"alloc", {address(gone), 3072}},
      {"free", {address(gone), 3072}},
  };
  REQUIRE(trace.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO(i);
    CHECK(trace[i]["action"] == expected[i].first);
    CHECK(trace[i]["addr"] == expected[i].second.first);
    CHECK(trace[i]["size"] == expected[i].second.second);
    if (i > 0) CHECK(trace[i]["seq"].get<uint64_t>() == trace[i - 1]["seq"].get<uint64_t>() + 1);
  }
  CHECK(first["alloc_seq"] == trace[1]["seq"]);

  p.hooks.deviceFree(small);
  p.hooks.deviceFree(large);
  p.hooks.emptyCache();
  const nlohmann::json after = p.hooks.memorySnapshot(std::nullopt);
  CHECK(after["segments"].empty());
  const nlohmann::json& t = after["device_traces"][0];
  REQUIRE(t.size() == 10);
  CHECK(t[8]["action"] == "segment_free");
  CHECK(t[9]["action"] == "segment_free");
}

TEST_CASE("An OOM is recorded in the trace", "[memory][snapshot][oom]") {
  mtia_test::ScopedEnv env("MTIA_SAMPLE_DEVICE_MEMORY", "8388608");
  SamplePlugin p;
  p.hooks.recordMemoryHistory("all", "", 10);
  CHECK_THROWS_AS(p.alloc(16 * MiB, 1), mtia::PluginError);
  const nlohmann::json trace = p.hooks.memorySnapshot(std::nullopt)["device_traces"][1];
  REQUIRE(trace.size() == 1);
  CHECK(trace[0]["action"] == "oom");
  CHECK(trace[0]["size"] == 16 * MiB);  // requested
  CHECK(trace[0]["addr"] == 8 * MiB);   // the device's free bytes (PyTorch's convention)
}

TEST_CASE("memorySnapshot writes the same JSON to local_path", "[memory][snapshot]") {
  SamplePlugin p;
  mtia_test::TempDir dir;
  p.hooks.recordMemoryHistory("state", "cpp", 5);
  void* block = p.alloc(64 * KiB, 1);
  const std::string path = dir.path() + "/snapshot.json";
  const nlohmann::json snap = p.hooks.memorySnapshot(path);
  CHECK(nlohmann::json::parse(readFile(path)) == snap);
  CHECK(snap["segments"].size() == 1);

  // An existing file is replaced.
  p.hooks.deviceFree(block);
  const nlohmann::json again = p.hooks.memorySnapshot(path);
  CHECK(nlohmann::json::parse(readFile(path)) == again);
  CHECK(again != snap);
}

TEST_CASE("memorySnapshot reports a local_path it cannot write", "[memory][snapshot][errors]") {
  SamplePlugin p;
  mtia_test::TempDir dir;
  const std::string missing = dir.path() + "/no/such/dir/snapshot.json";
  CHECK(mtia_test::errorOf([&] { p.hooks.memorySnapshot(missing); }) ==
        pluginError("memorySnapshot",
                    "cannot write the memory snapshot to '" + missing +
                        "': No such file or directory",
                    "INVALID_ARGUMENT"));
  CHECK(mtia_test::errorOf([&] { p.hooks.memorySnapshot(dir.path()); }) ==
        pluginError("memorySnapshot",
                    "cannot write the memory snapshot to '" + dir.path() + "': Is a directory",
                    "INVALID_ARGUMENT"));
  CHECK(mtia_test::errorOf([&] { p.hooks.memorySnapshot(std::string()); }) ==
        pluginError("memorySnapshot",
                    "local_path is empty: pass a file path, or NULL to skip the file",
                    "INVALID_ARGUMENT"));
}

TEST_CASE("The history ring keeps the newest max_entries events", "[memory][history]") {
  SamplePlugin p;
  p.hooks.recordMemoryHistory("all", "all", 5);
  for (int i = 0; i < 20; ++i) p.hooks.deviceFree(p.alloc(1024));
  nlohmann::json trace = p.hooks.memorySnapshot(std::nullopt)["device_traces"][0];
  REQUIRE(trace.size() == 5);
  // 1 segment_alloc + 40 alloc/free events: the last five, oldest first.
  for (size_t i = 0; i < 5; ++i) CHECK(trace[i]["seq"] == 37 + i);
  CHECK(trace[4]["action"] == "free");
  CHECK(trace[3]["action"] == "alloc");

  // Shrinking the bound keeps the newest events.
  p.hooks.recordMemoryHistory("all", "all", 2);
  trace = p.hooks.memorySnapshot(std::nullopt)["device_traces"][0];
  REQUIRE(trace.size() == 2);
  CHECK(trace[0]["seq"] == 40);
  CHECK(trace[1]["seq"] == 41);
}

TEST_CASE("History modes: off clears, state records blocks only", "[memory][history]") {
  SamplePlugin p;
  void* before = p.alloc(512);
  p.hooks.recordMemoryHistory("all", "python", 100);
  void* during = p.alloc(512);
  nlohmann::json snap = p.hooks.memorySnapshot(std::nullopt);
  CHECK(snap["device_traces"][0].size() == 1);
  const nlohmann::json& blocks = snap["segments"][0]["blocks"];
  CHECK_FALSE(blocks[0].contains("alloc_seq"));  // allocated before recording began
  CHECK(blocks[1].contains("alloc_seq"));

  p.hooks.recordMemoryHistory(std::nullopt, "", 0);
  snap = p.hooks.memorySnapshot(std::nullopt);
  CHECK(snap["device_traces"][0].empty());
  CHECK(snap["history"]["enabled"].is_null());
  p.hooks.deviceFree(p.alloc(512));
  CHECK(p.hooks.memorySnapshot(std::nullopt)["device_traces"][0].empty());

  p.hooks.recordMemoryHistory("state", "", 100);
  void* stated = p.alloc(512);
  snap = p.hooks.memorySnapshot(std::nullopt);
  CHECK(snap["device_traces"][0].empty());
  CHECK(snap["history"]["enabled"] == "state");
  bool found = false;
  for (const auto& block : snap["segments"][0]["blocks"]) {
    if (block["address"] == address(stated)) found = block.contains("alloc_seq");
  }
  CHECK(found);
  for (void* b : {before, during, stated}) p.hooks.deviceFree(b);
}

TEST_CASE("recordMemoryHistory rejects bad arguments", "[memory][history][errors]") {
  SamplePlugin p;
  CHECK(mtia_test::errorOf([&] { p.hooks.recordMemoryHistory("yes", "python", 10); }) ==
        pluginError("recordMemoryHistory",
                    "enabled='yes' is not one of null, \"state\" or \"all\"", "INVALID_ARGUMENT"));
  CHECK(mtia_test::errorOf([&] { p.hooks.recordMemoryHistory("all", "java", 10); }) ==
        pluginError("recordMemoryHistory",
                    "stacks='java' is not one of \"python\", \"cpp\", \"all\" or \"\"",
                    "INVALID_ARGUMENT"));
  CHECK(mtia_test::errorOf([&] { p.hooks.recordMemoryHistory("state", "", 0); }) ==
        pluginError("recordMemoryHistory",
                    "max_entries is 0: the history must hold at least one entry",
                    "INVALID_ARGUMENT"));
  CHECK(p.hooks.memorySnapshot(std::nullopt)["history"]["enabled"].is_null());
}
