// Events ("mtia.events/1"): ordering across streams, query, synchronize,
// elapsed time, and their errors.
#include "exec_support.h"

#include <mtia/graph.h>

using mtia_test::bytes;
using mtia_test::DeviceBuffer;
using mtia_test::Gate;
using mtia_test::mtiaStream;
using mtia_test::SamplePlugin;

TEST_CASE("A stream waiting on an event runs after the work recorded before it", "[events]") {
  SamplePlugin p;
  const mtia::Stream producer = p.hooks.createStream(0);
  const mtia::Stream consumer = p.hooks.createStream(0);
  DeviceBuffer buf(p.hooks, 0, 64);
  p.exec.memset(producer, buf.get(), 0, 64);
  p.exec.synchronize(producer);

  Gate gate;
  mtia::Event ready(false, p.hooks);
  p.exec.launchHostFunc(producer, &Gate::waitFn, &gate);
  p.exec.memset(producer, buf.get(), 7, 64);
  ready.record(producer);

  std::vector<uint8_t> seen(64, 0xFF);
  ready.block(consumer);
  p.exec.memcpy(consumer, seen.data(), buf.get(), 64, mtia::MemcpyKind::DeviceToHost);
  CHECK_FALSE(ready.query());
  CHECK_FALSE(p.exec.query(consumer));  // held back by the event

  gate.open();
  p.exec.synchronize(consumer);
  CHECK(seen == bytes(64, 7));  // the copy saw the producer's memset
  CHECK(ready.query());
}

TEST_CASE("Events order work across devices", "[events]") {
  SamplePlugin p;
  const mtia::Stream a = p.hooks.createStream(0);
  const mtia::Stream b = p.hooks.createStream(1);
  Gate gate;
  std::vector<int> log;
  log.reserve(2);
  mtia_test::LogEntry first{&log, 1}, second{&log, 2};
  mtia::Event e(false, p.hooks);
  p.exec.launchHostFunc(a, &Gate::waitFn, &gate);
  p.exec.launchHostFunc(a, &mtia_test::LogEntry::fn, &first);
  e.record(a);
  e.block(b);
  p.exec.launchHostFunc(b, &mtia_test::LogEntry::fn, &second);
  gate.open();
  p.hooks.deviceSynchronize(1);
  p.hooks.deviceSynchronize(0);
  CHECK(log == std::vector<int>{1, 2});
}

TEST_CASE("Query and synchronize follow the latest record", "[events]") {
  SamplePlugin p;
  const mtia::Stream blocked = p.hooks.createStream(0);
  const mtia::Stream free_ = p.hooks.createStream(0);
  mtia::Event e(false, p.hooks);
  CHECK(e.query());   // never recorded: nothing to wait for
  e.synchronize();
  e.block(free_);     // no record: no wait
  p.exec.synchronize(free_);

  Gate gate;
  p.exec.launchHostFunc(blocked, &Gate::waitFn, &gate);
  e.record(blocked);
  CHECK_FALSE(e.query());
  e.record(free_);    // the latest record is on a stream with nothing queued
  p.exec.synchronize(free_);
  CHECK(e.query());
  e.synchronize();

  e.record(blocked);  // behind the gate again
  CHECK_FALSE(e.query());
  gate.open();
  e.synchronize();
  CHECK(e.query());
}

TEST_CASE("Elapsed time between two timing events", "[events]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.createStream(0);
  DeviceBuffer buf(p.hooks, 0, 1 << 20);
  mtia::Event start(true, p.hooks), end(true, p.hooks);
  start.record(s);
  for (int i = 0; i < 8; ++i) p.exec.memset(s, buf.get(), i, buf.size());
  end.record(s);
  end.synchronize();
  CHECK(start.query());
  // Records on one stream complete in order.
  CHECK(start.elapsedTime(end) >= 0.0);
  CHECK(end.elapsedTime(start) <= 0.0);
  CHECK(start.elapsedTime(end) == -end.elapsedTime(start));
  CHECK(start.elapsedTime(start) == 0.0);
}

TEST_CASE("Event errors say what is wrong", "[events][errors]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.createStream(0);
  mtia::Event plain(false, p.hooks), timed(true, p.hooks), other(true, p.hooks);
  const std::string elapsed = "Event::elapsedTime() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': ";

  CHECK(mtia_test::errorOf([&] { timed.elapsedTime(other); }) ==
        elapsed + "event " + std::to_string(timed.handle()) +
            " has not been recorded (INVALID_STATE)");
  plain.record(s);
  timed.record(s);
  p.exec.synchronize(s);
  CHECK(mtia_test::errorOf([&] { timed.elapsedTime(plain); }) ==
        elapsed + "event " + std::to_string(plain.handle()) +
            " was created without MTIA_EVENT_TIMING: it keeps no time (INVALID_ARGUMENT)");

  Gate gate;
  p.exec.launchHostFunc(s, &Gate::waitFn, &gate);
  other.record(s);
  CHECK(mtia_test::errorOf([&] { timed.elapsedTime(other); }) ==
        elapsed + "event " + std::to_string(other.handle()) +
            " has not completed yet: synchronize it first (INVALID_STATE)");
  gate.open();
  other.synchronize();
  CHECK(timed.elapsedTime(other) >= 0.0);

  CHECK(mtia_test::errorOf([&] { plain.record(mtiaStream(55, 0)); }) ==
        "Event::record() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': stream 55 does not exist on device "
        "0 (NOT_FOUND)");

  mtia::Event taken = std::move(plain);  // `plain` keeps handle 0, which names no event
  CHECK(mtia_test::errorOf([&] { plain.query(); }) ==
        "Event::query() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': event 0 does not exist (NOT_FOUND)");

  // Through the raw extension: unknown handles and bad arguments.
  const auto* ext =
      static_cast<const mtia_events_ext_v1_t*>(p.hooks.getExtension(MTIA_EXT_EVENTS_V1));
  REQUIRE(ext != nullptr);
  int64_t handle = 0;
  CHECK(ext->event_create(2, &handle) == MTIA_STATUS_INVALID_ARGUMENT);
  CHECK(ext->event_create(0, nullptr) == MTIA_STATUS_INVALID_ARGUMENT);
  CHECK(ext->event_destroy(999) == MTIA_STATUS_NOT_FOUND);
  bool done = false;
  CHECK(ext->event_query(999, &done) == MTIA_STATUS_NOT_FOUND);
  CHECK(ext->event_query(taken.handle(), nullptr) == MTIA_STATUS_INVALID_ARGUMENT);
  CHECK(ext->event_synchronize(-1) == MTIA_STATUS_NOT_FOUND);
}

TEST_CASE("Events cannot be recorded or waited on during graph capture", "[events][errors][graph]") {
  SamplePlugin p;
  mtia::Event e(false, p.hooks);
  const mtia::Stream s = p.hooks.getCurrentStream(0);
  e.record(s);
  mtia::MTIAGraph graph(false, p.hooks);
  graph.capture_begin();
  const std::string capturing = "stream 0 of device 0 is capturing into graph " +
                                std::to_string(graph.handle()) +
                                ": events cannot be recorded or waited on during capture "
                                "(NOT_SUPPORTED)";
  CHECK(mtia_test::errorOf([&] { e.record(s); }) ==
        "Event::record() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': " + capturing);
  CHECK(mtia_test::errorOf([&] { e.block(s); }) ==
        "Event::block() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': " + capturing);
  graph.capture_end();
  e.record(s);  // fine again
  e.synchronize();
}

TEST_CASE("A destroyed event's queued work still completes", "[events]") {
  SamplePlugin p;
  const mtia::Stream a = p.hooks.createStream(0);
  const mtia::Stream b = p.hooks.createStream(0);
  Gate gate;
  bool ran = false;
  {
    mtia::Event e(false, p.hooks);
    p.exec.launchHostFunc(a, &Gate::waitFn, &gate);
    e.record(a);
    e.block(b);
  }
  p.exec.launchHostFunc(b, [](void* flag) noexcept -> mtia_status_t {
    *static_cast<bool*>(flag) = true;
    return MTIA_STATUS_OK;
  }, &ran);
  gate.open();
  p.exec.synchronize(b);
  CHECK(ran);
}
