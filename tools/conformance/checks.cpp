// checks.cpp — the behaviour every MTIA plugin must show, one group of
// checks per hook group. Each check restores what it changes on this thread.
#include "conformance.h"

#include <mtia/errors.h>
#include <mtia/plugin_abi.h>

#include <exception>
#include <thread>

namespace mtia_conformance {

namespace {

using mtia::DeviceIndex;
using mtia::MempoolId_t;
using mtia::Stream;

void expect(bool condition, const std::string& what) {
  if (!condition) throw Violation(what);
}

DeviceIndex dev(int d) { return static_cast<DeviceIndex>(d); }
std::string str(int value) { return std::to_string(value); }
std::string str(const Stream& s) {
  return "stream " + std::to_string(s.id()) + " of device " + str(s.device_index());
}
std::string str(const MempoolId_t& p) {
  return "{" + std::to_string(p.first) + ", " + std::to_string(p.second) + "}";
}

void needDevices(const Subject& s, int n) {
  if (s.devices < n) {
    throw NotApplicable("needs " + str(n) + " devices, the plugin has " + str(s.devices));
  }
}

// Runs fn on a fresh thread and rethrows what it threw.
template <class Fn>
void onOtherThread(Fn&& fn) {
  std::exception_ptr error;
  std::thread([&] {
    try {
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
}

// The thrown mtia::PluginError's code, or "no error" when fn succeeds.
template <class Fn>
std::string failureCode(Fn&& fn) {
  try {
    fn();
  } catch (const mtia::PluginError& e) {
    return e.code() == MTIA_STATUS_INVALID_ARGUMENT ? "INVALID_ARGUMENT" : e.what();
  }
  return "no error";
}

int64_t dramStat(const Subject& s, DeviceIndex d, const char* key) {
  const nlohmann::json stats = s.hooks.memoryStats(d);
  const auto dram = stats.find("dram");
  expect(dram != stats.end() && dram->is_object(),
         "memoryStats(" + str(d) + ") has no \"dram\" object: " + stats.dump());
  const auto value = dram->find(key);
  expect(value != dram->end() && value->is_number_integer(),
         std::string("memoryStats(") + str(d) + ")[\"dram\"] has no integer \"" + key +
             "\": " + stats.dump());
  return value->get<int64_t>();
}

// ---- device ------------------------------------------------------------------

Group deviceGroup() {
  return {"device",
          {{"deviceCount() is positive",
            [](const Subject& s) { expect(s.devices > 0, "deviceCount() returned " + str(s.devices)); }},
           {"setCurrentDevice(d) makes getCurrentDevice() return d",
            [](const Subject& s) {
              const DeviceIndex before = s.hooks.getCurrentDevice();
              for (int d = s.devices - 1; d >= 0; --d) {
                s.hooks.setCurrentDevice(dev(d));
                const DeviceIndex now = s.hooks.getCurrentDevice();
                expect(now == d, "after setCurrentDevice(" + str(d) + "), getCurrentDevice() returned " +
                                     str(now));
              }
              s.hooks.setCurrentDevice(before);
            }},
           {"exchangeDevice(d) returns the previous device and makes d current",
            [](const Subject& s) {
              needDevices(s, 2);
              s.hooks.setCurrentDevice(0);
              const DeviceIndex previous = s.hooks.exchangeDevice(1);
              expect(previous == 0, "exchangeDevice(1) with device 0 current returned " + str(previous));
              const DeviceIndex now = s.hooks.getCurrentDevice();
              expect(now == 1, "after exchangeDevice(1), getCurrentDevice() returned " + str(now));
              s.hooks.setCurrentDevice(0);
            }},
           {"the current device is per thread",
            [](const Subject& s) {
              needDevices(s, 2);
              s.hooks.setCurrentDevice(1);
              if (s.hooks.getCurrentDevice() != 1) {
                throw NotApplicable("setCurrentDevice(1) does not take effect even on this thread");
              }
              DeviceIndex fresh = -1;
              onOtherThread([&] {
                fresh = s.hooks.getCurrentDevice();
                s.hooks.setCurrentDevice(0);
              });
              const DeviceIndex mine = s.hooks.getCurrentDevice();
              s.hooks.setCurrentDevice(0);
              expect(mine == 1, "setCurrentDevice(0) on another thread changed this thread's current "
                                "device from 1 to " + str(mine));
              expect(fresh == 0, "a new thread's current device is " + str(fresh) + ", not 0");
            }},
           {"setCurrentDevice(deviceCount()) fails with INVALID_ARGUMENT",
            [](const Subject& s) {
              const std::string code = failureCode([&] { s.hooks.setCurrentDevice(dev(s.devices)); });
              expect(code == "INVALID_ARGUMENT",
                     "setCurrentDevice(" + str(s.devices) + ") gave " + code);
            }}}};
}

// ---- stream ------------------------------------------------------------------

Group streamGroup() {
  return {"stream",
          {{"getDefaultStream(d) is stream 0 of device d",
            [](const Subject& s) {
              for (int d = 0; d < s.devices; ++d) {
                const Stream st = s.hooks.getDefaultStream(dev(d));
                expect(st.id() == 0 && st.device_index() == d,
                       "getDefaultStream(" + str(d) + ") returned " + str(st));
              }
            }},
           {"a new thread's current stream is the default stream",
            [](const Subject& s) {
              onOtherThread([&] {
                for (int d = 0; d < s.devices; ++d) {
                  const Stream st = s.hooks.getCurrentStream(dev(d));
                  expect(st == s.hooks.getDefaultStream(dev(d)),
                         "getCurrentStream(" + str(d) + ") on a new thread returned " + str(st));
                }
              });
            }},
           {"setCurrentStream makes getCurrentStream return it, on this thread only",
            [](const Subject& s) {
              const Stream created = s.hooks.createStream(0);
              s.hooks.setCurrentStream(created);
              const Stream now = s.hooks.getCurrentStream(0);
              Stream other = now;
              onOtherThread([&] { other = s.hooks.getCurrentStream(0); });
              s.hooks.setCurrentStream(s.hooks.getDefaultStream(0));
              expect(now == created, "after setCurrentStream(" + str(created) +
                                         "), getCurrentStream(0) returned " + str(now));
              expect(other == s.hooks.getDefaultStream(0),
                     "setCurrentStream on one thread changed another thread's current stream to " +
                         str(other));
            }}}};
}

// ---- memory ------------------------------------------------------------------

Group memoryGroup() {
  return {"memory",
          {{"memoryStats(d) has dram.allocated_bytes <= dram.peak_bytes",
            [](const Subject& s) {
              for (int d = 0; d < s.devices; ++d) {
                const int64_t allocated = dramStat(s, dev(d), "allocated_bytes");
                const int64_t peak = dramStat(s, dev(d), "peak_bytes");
                expect(allocated >= 0 && allocated <= peak,
                       "device " + str(d) + ": allocated_bytes " + std::to_string(allocated) +
                           ", peak_bytes " + std::to_string(peak));
              }
            }},
           {"deviceAlloc raises allocated_bytes and deviceFree restores it",
            [](const Subject& s) {
              constexpr size_t kBytes = 1 << 20;
              const int64_t before = dramStat(s, 0, "allocated_bytes");
              void* p = s.hooks.deviceAlloc(0, kBytes);
              const int64_t during = dramStat(s, 0, "allocated_bytes");
              s.hooks.deviceFree(p);
              const int64_t after = dramStat(s, 0, "allocated_bytes");
              expect(p != nullptr, "deviceAlloc(0, " + std::to_string(kBytes) + ") returned nullptr");
              expect(during >= before + static_cast<int64_t>(kBytes),
                     "deviceAlloc(0, " + std::to_string(kBytes) + ") moved allocated_bytes from " +
                         std::to_string(before) + " to " + std::to_string(during));
              expect(after == before, "deviceFree left allocated_bytes at " + std::to_string(after) +
                                          ", not " + std::to_string(before));
            }}}};
}

// ---- graph -------------------------------------------------------------------

Group graphGroup() {
  return {"graph",
          {{"capture, replay and destroy an empty graph with a private pool",
            [](const Subject& s) {
              const int64_t g = s.hooks.mtiagraphCreate(false);
              s.hooks.mtiagraphCaptureBegin(g, {0, 0});
              s.hooks.mtiagraphCaptureEnd(g);
              s.hooks.mtiagraphReplay(g);
              const MempoolId_t pool = s.hooks.mtiagraphPool(g);
              s.hooks.mtiagraphDestroy(g);
              expect(pool != MempoolId_t{0, 0}, "a capture with pool {0, 0} reported pool {0, 0}");
            }},
           {"graphPoolHandle() gives fresh pools that captures keep (ABI 1.1)",
            [](const Subject& s) {
              const MempoolId_t a = s.hooks.graphPoolHandle();
              const MempoolId_t b = s.hooks.graphPoolHandle();
              expect(a != MempoolId_t{0, 0} && a != b,
                     "graphPoolHandle() returned " + str(a) + ", then " + str(b));
              const int64_t g = s.hooks.mtiagraphCreate(false);
              s.hooks.mtiagraphCaptureBegin(g, a);
              s.hooks.mtiagraphCaptureEnd(g);
              const MempoolId_t used = s.hooks.mtiagraphPool(g);
              s.hooks.mtiagraphDestroy(g);
              expect(used == a, "a capture given pool " + str(a) + " reported pool " + str(used));
            }}}};
}

}  // namespace

std::vector<Group> conformanceGroups() {
  return {deviceGroup(), streamGroup(), memoryGroup(), graphGroup()};
}

}  // namespace mtia_conformance
