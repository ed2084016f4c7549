// checks_graph.cpp — the graph group: capture records real work without
// running it, each replay runs it exactly once, the keep_graph lifecycle,
// private pools and shared pool handles (ABI 1.1).
#include "support.h"

#include <cstring>

namespace mtia_conformance {

namespace {

const Needs kGraph{{"graph"}, {}, 0, 1};
const Needs kGraphWork{{"graph", "stream", "memory"},
                       {MTIA_EXT_STREAMS_V1, MTIA_EXT_EXEC_V1},
                       0,
                       1};
const Needs kPoolHandle{{"graph"}, {}, 1, 1};

using Bytes = std::vector<unsigned char>;

// A graph handle destroyed (errors ignored) at scope exit.
struct GraphHandle {
  const Hooks& hooks;
  int64_t handle;
  GraphHandle(const Hooks& h, bool keep) : hooks(h), handle(h.mtiagraphCreate(keep)) {}
  ~GraphHandle() {
    try {
      hooks.mtiagraphDestroy(handle);
    } catch (...) {
    }
  }
};

Bytes deviceBytes(Context& c, const mtia::StreamExec& exec, const Stream& s, const char* p,
                  size_t n) {
  const HostBuffer out(n);
  exec.memcpy(s, out.data(), p, n, mtia::MemcpyKind::DeviceToHost);
  synchronize(c, exec, s);
  return out.bytes();
}

std::string replay(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  c.hooks.setCurrentStream(s);
  DeviceBuffer src(c.hooks, 0, 256), dst(c.hooks, 0, 256);
  exec.memset(s, src.get(), 0, 256);
  exec.memset(s, dst.get(), 0, 256);
  synchronize(c, exec, s);
  Probe counter;
  GraphHandle g(c.hooks, /*keep=*/false);
  c.hooks.mtiagraphCaptureBegin(g.handle, {0, 0});
  counter.enqueue(exec, s);
  exec.memset(s, src.get() + 16, 0x5A, 128);
  exec.memcpy(s, dst.get() + 32, src.get() + 16, 128, mtia::MemcpyKind::DeviceToDevice);
  c.hooks.mtiagraphCaptureEnd(g.handle);
  const Bytes after_capture = deviceBytes(c, exec, s, dst.get(), 256);
  expect(counter.runs() == 0, "a host function captured into a graph ran " +
                                  str(counter.runs()) + " times during the capture");
  expect(firstDifference(after_capture, Bytes(256, 0)).empty(),
         "work captured into a graph ran during the capture: " +
             firstDifference(after_capture, Bytes(256, 0)));
  for (int i = 0; i < 3; ++i) c.hooks.mtiagraphReplay(g.handle);
  synchronize(c, exec, s);
  expect(counter.runs() == 3, "three replays ran the captured host function " +
                                  str(counter.runs()) + " times");
  Bytes expected(256, 0);
  std::memset(expected.data() + 32, 0x5A, 128);
  const std::string diff = firstDifference(deviceBytes(c, exec, s, dst.get(), 256), expected);
  expect(diff.empty(), "after replaying a captured memset and device-to-device copy: " + diff);
  c.hooks.setCurrentStream(c.hooks.getDefaultStream(0));
  return "nothing ran during capture; three replays ran the work three times, results exact";
}

std::string lifecycle(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  c.hooks.setCurrentStream(s);
  Probe counter;
  GraphHandle g(c.hooks, /*keep=*/true);
  c.hooks.mtiagraphCaptureBegin(g.handle, {0, 0});
  counter.enqueue(exec, s);
  c.hooks.mtiagraphCaptureEnd(g.handle);
  std::string code = failureCode([&] { c.hooks.mtiagraphReplay(g.handle); });
  expect(code == "INVALID_STATE", "replay of a keep_graph graph before instantiate gave " + code +
                                      ", expected INVALID_STATE");
  c.hooks.mtiagraphInstantiate(g.handle);
  c.hooks.mtiagraphReplay(g.handle);
  synchronize(c, exec, s);
  expect(counter.runs() == 1, "one replay ran the host function " + str(counter.runs()) +
                                  " times");
  c.hooks.mtiagraphReset(g.handle);
  code = failureCode([&] { c.hooks.mtiagraphReplay(g.handle); });
  expect(code == "INVALID_STATE", "replay after reset gave " + code + ", expected INVALID_STATE");
  c.hooks.mtiagraphCaptureBegin(g.handle, {0, 0});
  c.hooks.mtiagraphCaptureEnd(g.handle);
  c.hooks.setCurrentStream(c.hooks.getDefaultStream(0));
  return "replay needs instantiate; reset frees the work; the graph captures again";
}

std::string privatePools(Context& c) {
  GraphHandle a(c.hooks, false), b(c.hooks, false);
  c.hooks.mtiagraphCaptureBegin(a.handle, {0, 0});
  c.hooks.mtiagraphCaptureEnd(a.handle);
  c.hooks.mtiagraphCaptureBegin(b.handle, {0, 0});
  c.hooks.mtiagraphCaptureEnd(b.handle);
  const MempoolId_t pa = c.hooks.mtiagraphPool(a.handle), pb = c.hooks.mtiagraphPool(b.handle);
  expect(pa != MempoolId_t{0, 0} && pb != MempoolId_t{0, 0},
         "captures with pool {0, 0} report pools " + str(pa) + " and " + str(pb));
  expect(pa != pb, "two private captures share pool " + str(pa));
  return "private pools " + str(pa) + " and " + str(pb);
}

std::string poolHandles(Context& c) {
  const MempoolId_t p = c.hooks.graphPoolHandle(), q = c.hooks.graphPoolHandle();
  expect(p != MempoolId_t{0, 0} && p != q,
         "graphPoolHandle() returned " + str(p) + ", then " + str(q));
  GraphHandle a(c.hooks, false), b(c.hooks, false);
  c.hooks.mtiagraphCaptureBegin(a.handle, p);
  c.hooks.mtiagraphCaptureEnd(a.handle);
  c.hooks.mtiagraphCaptureBegin(b.handle, p);
  c.hooks.mtiagraphCaptureEnd(b.handle);
  const MempoolId_t ua = c.hooks.mtiagraphPool(a.handle), ub = c.hooks.mtiagraphPool(b.handle);
  expect(ua == p && ub == p, "two captures given pool " + str(p) + " report " + str(ua) +
                                 " and " + str(ub));
  return "fresh handles " + str(p) + ", " + str(q) + "; captures share the one they are given";
}

}  // namespace

std::vector<Check> graphChecks() {
  return {
      {"graph.replay",
       "capture records work without running it; each replay runs it exactly once, results "
       "verified",
       kGraphWork, false, replay},
      {"graph.lifecycle", "keep_graph: replay needs instantiate; reset; capture again",
       kGraphWork, false, lifecycle},
      {"graph.private_pool", "a capture with pool {0, 0} gets its own non-default pool", kGraph,
       true, privatePools},
      {"graph.pool_handle", "graphPoolHandle() gives fresh pools that captures share (ABI 1.1)",
       kPoolHandle, true, poolHandles},
  };
}

}  // namespace mtia_conformance
