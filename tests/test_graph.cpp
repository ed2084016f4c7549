// MTIA graphs: capture records stream work instead of running it; replay runs
// it again, in order, on the current stream. Every misuse has its own error.
#include "exec_support.h"

#include <mtia/graph.h>
#include <mtia/guards.h>

#include <atomic>
#include <stdexcept>

using mtia_test::bytes;
using mtia_test::DeviceBuffer;
using mtia_test::Gate;
using mtia_test::mtiaStream;
using mtia_test::SamplePlugin;

namespace {

mtia_status_t countUp(void* counter) noexcept {
  static_cast<std::atomic<int>*>(counter)->fetch_add(1);
  return MTIA_STATUS_OK;
}

// "mtiagraphReplay() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': graph 3 <problem> (INVALID_STATE)"
std::string misuse(const char* hook, int64_t handle, const std::string& problem) {
  return std::string(hook) + "() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': graph " +
         std::to_string(handle) + " " + problem + " (INVALID_STATE)";
}

}  // namespace

TEST_CASE("A graph of three memsets and a memcpy replays twice", "[graph]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.createStream(0);
  mtia::StreamGuard on_s(s, p.hooks);
  DeviceBuffer src(p.hooks, 0, 192), dst(p.hooks, 0, 192);
  const auto clear = [&] {
    p.exec.memset(s, src.get(), 0, 192);
    p.exec.memset(s, dst.get(), 0, 192);
    p.exec.synchronize(s);
  };
  clear();

  mtia::MTIAGraph graph(false, p.hooks);
  graph.capture_begin();
  p.exec.memset(s, src.get(), 1, 64);
  p.exec.memset(s, src.get() + 64, 2, 64);
  p.exec.memset(s, src.get() + 128, 3, 64);
  p.exec.memcpy(s, dst.get(), src.get(), 192, mtia::MemcpyKind::DeviceToDevice);
  graph.capture_end();
  // Captured, not run.
  p.exec.synchronize(s);
  CHECK(src.read(p.exec, s) == bytes(192, 0));
  CHECK(dst.read(p.exec, s) == bytes(192, 0));

  std::vector<uint8_t> expected = bytes(64, 1);
  expected.resize(128, 2);
  expected.resize(192, 3);
  for (int replay = 1; replay <= 2; ++replay) {
    INFO("replay " << replay);
    graph.replay();
    p.exec.synchronize(s);
    CHECK(src.read(p.exec, s) == expected);
    CHECK(dst.read(p.exec, s) == expected);
    clear();  // so the next replay has to write everything again
  }
}

TEST_CASE("Replay runs in order with the other work of the current stream", "[graph]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.getCurrentStream(0);
  DeviceBuffer buf(p.hooks, 0, 64);
  mtia::MTIAGraph graph(false, p.hooks);
  graph.capture_begin();
  p.exec.memset(s, buf.get(), 4, 64);
  graph.capture_end();

  p.exec.memset(s, buf.get(), 1, 64);
  graph.replay();
  std::vector<uint8_t> after_replay(64);
  p.exec.memcpy(s, after_replay.data(), buf.get(), 64, mtia::MemcpyKind::DeviceToHost);
  p.exec.memset(s, buf.get(), 9, 64);
  p.exec.synchronize(s);
  CHECK(after_replay == bytes(64, 4));
  CHECK(buf.read(p.exec, s) == bytes(64, 9));
}

TEST_CASE("Replay uses the stream that is current at replay time", "[graph]") {
  SamplePlugin p;
  const mtia::Stream capture = p.hooks.getCurrentStream(0);
  const mtia::Stream later = p.hooks.createStream(0);
  std::atomic<int> count{0};
  mtia::MTIAGraph graph(false, p.hooks);
  graph.capture_begin();
  p.exec.launchHostFunc(capture, &countUp, &count);
  p.exec.launchHostFunc(capture, &countUp, &count);
  graph.capture_end();

  Gate gate;
  p.exec.launchHostFunc(later, &Gate::waitFn, &gate);
  {
    mtia::StreamGuard on_later(later, p.hooks);
    graph.replay();  // queued behind the gate
  }
  p.exec.synchronize(capture);
  CHECK(count.load() == 0);
  gate.open();
  p.exec.synchronize(later);
  CHECK(count.load() == 2);
}

TEST_CASE("keep_graph=true needs instantiate before replay", "[graph]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.getCurrentStream(1);
  std::atomic<int> count{0};
  mtia::DeviceGuard on_1(1, p.hooks);
  mtia::MTIAGraph graph(true, p.hooks);
  graph.capture_begin();
  p.exec.launchHostFunc(s, &countUp, &count);
  graph.capture_end();
  CHECK(mtia_test::errorOf([&] { graph.replay(); }) ==
        misuse("mtiagraphReplay", graph.handle(),
               "is not instantiated: capture and instantiate it before replaying"));
  graph.instantiate();
  graph.replay();
  graph.instantiate();  // again: allowed while the captured graph is kept
  graph.replay();
  p.exec.synchronize(s);
  CHECK(count.load() == 2);
}

TEST_CASE("Pools: {0,0} asks for a private pool, a given pool is kept", "[graph]") {
  SamplePlugin p;
  mtia::MTIAGraph a(false, p.hooks), b(false, p.hooks), c(false, p.hooks);
  a.capture_begin();
  a.capture_end();
  b.capture_begin({0, 0});
  b.capture_end();
  c.capture_begin(a.pool());  // share a's pool
  c.capture_end();
  CHECK(a.pool() != mtia::MempoolId_t{0, 0});
  CHECK(b.pool() != mtia::MempoolId_t{0, 0});
  CHECK(a.pool() != b.pool());
  CHECK(c.pool() == a.pool());
  a.reset();
  CHECK(mtia_test::errorOf([&] { a.pool(); }) ==
        misuse("mtiagraphPool", a.handle(),
               "has no pool: it has not been captured since it was created or reset"));
}

TEST_CASE("A reset graph can be captured again", "[graph]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.getCurrentStream(0);
  std::atomic<int> count{0};
  mtia::MTIAGraph graph(false, p.hooks);
  graph.capture_begin();
  p.exec.launchHostFunc(s, &countUp, &count);
  graph.capture_end();
  graph.reset();
  CHECK(mtia_test::errorOf([&] { graph.replay(); }) ==
        misuse("mtiagraphReplay", graph.handle(),
               "is not instantiated: capture and instantiate it before replaying"));
  graph.capture_begin();
  p.exec.launchHostFunc(s, &countUp, &count);
  p.exec.launchHostFunc(s, &countUp, &count);
  graph.capture_end();
  graph.replay();
  p.exec.synchronize(s);
  CHECK(count.load() == 2);
}

TEST_CASE("Graph misuse gives specific errors", "[graph][errors]") {
  SamplePlugin p;
  mtia::MTIAGraph graph(false, p.hooks), kept(true, p.hooks), second(false, p.hooks);
  const int64_t h = graph.handle();

  // Before any capture.
  CHECK(mtia_test::errorOf([&] { graph.capture_end(); }) ==
        misuse("mtiagraphCaptureEnd", h, "is not capturing: call capture_begin first"));
  CHECK(mtia_test::errorOf([&] { graph.instantiate(); }) ==
        misuse("mtiagraphInstantiate", h, "has not been captured: there is nothing to instantiate"));
  CHECK(mtia_test::errorOf([&] { graph.replay(); }) ==
        misuse("mtiagraphReplay", h,
               "is not instantiated: capture and instantiate it before replaying"));

  // During a capture.
  graph.capture_begin();
  CHECK(mtia_test::errorOf([&] { graph.capture_begin(); }) ==
        misuse("mtiagraphCaptureBegin", h, "is already capturing"));
  CHECK(mtia_test::errorOf([&] { second.capture_begin(); }) ==
        "mtiagraphCaptureBegin() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': stream 0 of device 0 is "
        "already capturing into graph " + std::to_string(h) + " (INVALID_STATE)");
  CHECK(mtia_test::errorOf([&] { graph.replay(); }) ==
        misuse("mtiagraphReplay", h,
               "is not instantiated: capture and instantiate it before replaying"));
  CHECK(mtia_test::errorOf([&] { graph.instantiate(); }) ==
        misuse("mtiagraphInstantiate", h, "is capturing: end the capture before instantiating it"));
  CHECK(mtia_test::errorOf([&] { graph.reset(); }) ==
        misuse("mtiagraphReset", h, "is capturing: end the capture before resetting it"));
  CHECK(mtia_test::errorOf([&] { p.hooks.mtiagraphDestroy(h); }) ==
        misuse("mtiagraphDestroy", h, "is capturing: end the capture before destroying it"));
  {
    mtia::StreamGuard elsewhere(p.hooks.createStream(0), p.hooks);
    CHECK(mtia_test::errorOf([&] { graph.capture_end(); }) ==
          misuse("mtiagraphCaptureEnd", h,
                 "is capturing on stream 0 of device 0, but the current stream is stream 1 of "
                 "device 0: end the capture on the stream it began on"));
  }
  graph.capture_end();

  // After the capture.
  CHECK(mtia_test::errorOf([&] { graph.capture_begin(); }) ==
        misuse("mtiagraphCaptureBegin", h,
               "already holds a capture: reset it before capturing again"));
  CHECK(mtia_test::errorOf([&] { graph.instantiate(); }) ==
        misuse("mtiagraphInstantiate", h,
               "was created with keep_graph=false: capture_end already instantiated it"));
  kept.capture_begin();
  kept.capture_end();
  CHECK(mtia_test::errorOf([&] { kept.replay(); }) ==
        misuse("mtiagraphReplay", kept.handle(),
               "is not instantiated: capture and instantiate it before replaying"));

  // Unknown handles.
  for (const int64_t bad : {int64_t{999}, int64_t{-1}, int64_t{0}}) {
    const std::string gone = "failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': graph " + std::to_string(bad) +
                             " does not exist (NOT_FOUND)";
    CHECK(mtia_test::errorOf([&] { p.hooks.mtiagraphReplay(bad); }) == "mtiagraphReplay() " + gone);
    CHECK(mtia_test::errorOf([&] { p.hooks.mtiagraphDestroy(bad); }) == "mtiagraphDestroy() " + gone);
    CHECK(mtia_test::errorOf([&] { p.hooks.mtiagraphCaptureBegin(bad, {0, 0}); }) ==
          "mtiagraphCaptureBegin() " + gone);
    CHECK(mtia_test::errorOf([&] { p.hooks.mtiagraphCaptureEnd(bad); }) ==
          "mtiagraphCaptureEnd() " + gone);
    CHECK(mtia_test::errorOf([&] { p.hooks.mtiagraphInstantiate(bad); }) ==
          "mtiagraphInstantiate() " + gone);
    CHECK(mtia_test::errorOf([&] { p.hooks.mtiagraphReset(bad); }) == "mtiagraphReset() " + gone);
    CHECK(mtia_test::errorOf([&] { p.hooks.mtiagraphPool(bad); }) == "mtiagraphPool() " + gone);
  }
  // A destroyed handle is gone too.
  const int64_t raw = p.hooks.mtiagraphCreate(false);
  p.hooks.mtiagraphDestroy(raw);
  CHECK(mtia_test::errorOf([&] { p.hooks.mtiagraphDestroy(raw); }) ==
        "mtiagraphDestroy() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': graph " + std::to_string(raw) +
            " does not exist (NOT_FOUND)");
}

TEST_CASE("MTIAGraph ends its capture when an exception leaves the scope", "[graph]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.createStream(0);
  std::atomic<int> count{0};
  try {
    mtia::MTIAGraph graph(false, p.hooks);
    mtia::StreamGuard on_s(s, p.hooks);  // gone before the graph: it must find its stream
    graph.capture_begin();
    p.exec.launchHostFunc(s, &countUp, &count);
    throw std::runtime_error("model code failed mid-capture");
  } catch (const std::runtime_error&) {
  }
  // The stream captures no more: its work runs again.
  p.exec.launchHostFunc(s, &countUp, &count);
  p.exec.synchronize(s);
  CHECK(count.load() == 1);
  mtia::StreamGuard on_s(s, p.hooks);
  mtia::MTIAGraph again(false, p.hooks);
  again.capture_begin();
  again.capture_end();
}

TEST_CASE("MTIAGraph is movable and destroys its graph once", "[graph]") {
  SamplePlugin p;
  mtia::MTIAGraph a(false, p.hooks);
  const int64_t h = a.handle();
  mtia::MTIAGraph b = std::move(a);
  CHECK(b.handle() == h);
  CHECK(a.handle() == -1);
  {
    mtia::MTIAGraph c(false, p.hooks);
    c = std::move(b);
    CHECK(c.handle() == h);
  }
  CHECK(mtia_test::errorOf([&] { p.hooks.mtiagraphReset(h); }) ==
        "mtiagraphReset() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': graph " + std::to_string(h) +
            " does not exist (NOT_FOUND)");
}
