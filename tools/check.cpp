// check.cpp — mtia-info --check PATH: load the plugin, keeping the loader's
// load report (every step with its verdict), then run a quick self-test of
// each hook group the plugin implements. A group whose hooks are all absent is
// skipped; a check that fails fails the group and the run.
#include "mtia_info.h"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mtia_info {

namespace {

using Hooks = mtia::MTIAHooksInterface;

// A self-test expectation that did not hold.
struct Mismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void expect(bool condition, const std::string& what) {
  if (!condition) throw Mismatch(what);
}

std::string str(const mtia::Stream& s) {
  return "stream " + std::to_string(s.id()) + " on device " + std::to_string(s.device_index());
}

// ---- the self-test ------------------------------------------------------------

// One check: runs against every device and returns a short summary.
struct Check {
  const char* name;
  std::function<std::string(const Hooks&, int devices)> run;
};

struct Group {
  const char* name;
  std::vector<Check> checks;
};

// Calls fn(d) for every device; "" when there are none.
template <class Fn>
std::string forEachDevice(int devices, Fn&& fn) {
  for (int i = 0; i < devices; ++i) fn(static_cast<mtia::DeviceIndex>(i));
  return devices == 0 ? "no devices" : "devices 0-" + std::to_string(devices - 1);
}

std::vector<Group> selfTests() {
  return {
      {"device",
       {{"device count",
         [](const Hooks& h, int) { return std::to_string(h.deviceCount()) + " devices"; }},
        {"current device",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) {
             h.setCurrentDevice(d);
             const int got = h.getCurrentDevice();
             expect(got == d, "setCurrentDevice(" + std::to_string(d) +
                                  ") then getCurrentDevice() returned " + std::to_string(got));
           });
         }},
        {"exchange device",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) {
             const int before = h.getCurrentDevice();
             const int previous = h.exchangeDevice(d);
             expect(previous == before && h.getCurrentDevice() == d,
                    "exchangeDevice(" + std::to_string(d) + ") returned " +
                        std::to_string(previous) + " with current device " +
                        std::to_string(before));
           });
         }},
        {"bad device index",
         [](const Hooks& h, int n) {
           const auto bad = static_cast<mtia::DeviceIndex>(n);
           try {
             h.setCurrentDevice(bad);
           } catch (const mtia::PluginError& e) {
             expect(e.code() == MTIA_STATUS_INVALID_ARGUMENT,
                    "setCurrentDevice(" + std::to_string(n) + ") failed with " +
                        mtia::statusName(e.code()) + ", expected INVALID_ARGUMENT");
             return std::string("setCurrentDevice(") + std::to_string(n) + ") is rejected";
           }
           throw Mismatch("setCurrentDevice(" + std::to_string(n) + ") succeeded with " +
                          std::to_string(n) + " devices");
         }},
        {"synchronize",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) { h.deviceSynchronize(d); });
         }},
        {"capability",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) { h.getDeviceCapability(d); });
         }},
        {"properties",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) { h.getDeviceProperties(d); });
         }},
        {"config",
         [](const Hooks& h, int) {
           h.showConfig();
           return std::string("valid JSON");
         }}}},
      {"stream",
       {{"current stream",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) {
             const mtia::Stream s = h.getCurrentStream(d);
             expect(s.device_index() == d,
                    "getCurrentStream(" + std::to_string(d) + ") returned " + str(s));
           });
         }},
        {"default stream",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) {
             const mtia::Stream s = h.getDefaultStream(d);
             expect(s.id() == mtia::Stream::DEFAULT && s.device_index() == d,
                    "getDefaultStream(" + std::to_string(d) + ") returned " + str(s));
           });
         }},
        {"set current stream",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) {
             const mtia::Stream s = h.getDefaultStream(d);
             h.setCurrentStream(s);
             expect(h.getCurrentStream(d) == s,
                    "after setCurrentStream(" + str(s) + ") getCurrentStream(" +
                        std::to_string(d) + ") returned " + str(h.getCurrentStream(d)));
           });
         }},
        {"create stream",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) {
             const mtia::Stream s = h.createStream(d);
             h.setCurrentStream(s);
             expect(h.getCurrentStream(d) == s, "a created " + str(s) + " did not become current");
             h.setCurrentStream(h.getDefaultStream(d));
           });
         }}}},
      {"memory",
       {{"memory stats",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) { h.memoryStats(d); });
         }},
        {"pinned memory",
         [](const Hooks& h, int) {
           mtia::DataPtr p = h.getPinnedMemoryAllocator()->allocate(4096);
           expect(p && h.isPinnedPtr(p.get()), "isPinnedPtr() is false for a pinned allocation");
           const int local = 0;
           expect(!h.isPinnedPtr(&local), "isPinnedPtr() is true for a stack address");
           return std::string("4096 bytes allocated and freed");
         }},
        {"reset peak stats",
         [](const Hooks& h, int n) {
           return forEachDevice(n, [&](mtia::DeviceIndex d) { h.resetPeakMemoryStats(d); });
         }},
        {"empty cache",
         [](const Hooks& h, int) {
           h.emptyCache();
           return std::string();
         }},
        {"snapshot",
         [](const Hooks& h, int) {
           h.memorySnapshot(std::nullopt);
           return std::string("valid JSON");
         }}}},
      {"graph",
       {{"capture and replay",
         [](const Hooks& h, int n) {
           if (n == 0) return std::string("no devices");
           h.setCurrentDevice(0);
           const int64_t graph = h.mtiagraphCreate(/*keep_graph=*/true);
           h.mtiagraphCaptureBegin(graph, {0, 0});
           h.mtiagraphCaptureEnd(graph);
           h.mtiagraphInstantiate(graph);
           h.mtiagraphReplay(graph);
           h.deviceSynchronize(0);
           h.mtiagraphReset(graph);
           h.mtiagraphDestroy(graph);
           return std::string("an empty graph on device 0");
         }},
        {"pool handle",
         [](const Hooks& h, int) {
           const mtia::MempoolId_t pool = h.graphPoolHandle();
           expect(pool != mtia::MempoolId_t{0, 0},
                  "graphPoolHandle() returned the default pool {0, 0}");
           return "pool {" + std::to_string(pool.first) + ", " + std::to_string(pool.second) + "}";
         }}}},
  };
}

const char* verdictName(Verdict v) {
  switch (v) {
    case Verdict::Ok: return "ok";
    case Verdict::NotImplemented: return "not implemented";
    case Verdict::Failed: return "failed";
  }
  return "failed";
}

// Runs every group; returns the groups, and the first failure in *failed.
nlohmann::json selfTest(const Hooks& hooks, std::optional<std::string>* failed) {
  int devices = 0;
  try {
    devices = hooks.deviceCount();
  } catch (const std::exception&) {
    // The "device count" check reports it.
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const Group& group : selfTests()) {
    nlohmann::json checks = nlohmann::json::array();
    bool implemented = false, ok = true;
    for (const Check& c : group.checks) {
      const Outcome outcome = attempt([&] { return c.run(hooks, devices); });
      implemented = implemented || outcome.verdict != Verdict::NotImplemented;
      if (outcome.verdict == Verdict::Failed && ok) {
        ok = false;
        if (!*failed) {
          *failed = std::string("self-test '") + group.name + ": " + c.name + "' failed: " +
                    outcome.detail;
        }
      }
      checks.push_back({{"name", c.name},
                        {"verdict", verdictName(outcome.verdict)},
                        {"detail", outcome.detail}});
    }
    groups.push_back({{"group", group.name},
                      {"verdict", !implemented ? "skipped" : ok ? "ok" : "failed"},
                      {"checks", checks}});
  }
  return groups;
}

}  // namespace

nlohmann::json CheckResult::toJson() const {
  nlohmann::json json = {{"load", load.toJson()},
                         {"self_test", self_test},
                         {"result", failure ? "fail" : "pass"},
                         {"exit_code", exit_code}};
  if (failure) json["failure"] = *failure;
  return json;
}

CheckResult check(const std::string& path) {
  CheckResult result;
  result.self_test = nlohmann::json::array();
  mtia::PluginLoader loader;
  try {
    loader.load(path);
  } catch (const mtia::LoadError&) {
    // The report says which step failed and why.
  }
  result.load = loader.lastReport();
  if (!loader.isLoaded()) {
    const mtia::LoadReportStep* step = result.load.failedStep();
    result.failure = step != nullptr ? std::string("load step '") + mtia::loadStepName(step->step) +
                                           "' failed: " + step->detail
                                     : "the plugin did not load: " + result.load.error;
    result.exit_code = kExitLoadFailed;
    return result;
  }
  result.self_test = selfTest(loader.hooks(), &result.failure);
  result.exit_code = result.failure ? kExitFailed : kExitOk;
  return result;
}

}  // namespace mtia_info
