// checks_events.cpp — "mtia.events/1": record and query (the latest record
// counts), synchronize, cross-stream waits and elapsed time.
#include "support.h"

namespace mtia_conformance {

namespace {

const Needs kEvents{{"stream"},
                    {MTIA_EXT_STREAMS_V1, MTIA_EXT_EXEC_V1, MTIA_EXT_EVENTS_V1},
                    0,
                    1};

std::string recordQuery(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  mtia::Event e(false, c.hooks);
  expect(e.query(), "query() of an event never recorded is false");
  e.record(s);
  synchronize(c, exec, s);
  expect(e.query(), "query() is false after the stream it was recorded on was synchronized");
  Probe gate(/*closed=*/true);
  gate.enqueue(exec, s);
  e.record(s);
  for (int i = 0; i < 5; ++i) {
    expect(!e.query(), "query() is true while the work before its latest record waits");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  gate.open();
  synchronize(c, exec, s);
  expect(e.query(), "query() is false after its stream's work is done");
  return "false while the work before the latest record is pending, true after";
}

std::string eventSynchronize(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  mtia::Event e(false, c.hooks);
  Probe gate(/*closed=*/true), before;
  gate.enqueue(exec, s);
  before.enqueue(exec, s);
  e.record(s);
  const DelayedOpen opener(gate, 100);
  c.step("Event::synchronize() to return");
  e.synchronize();
  const int runs = before.runs();
  expect(runs == 1, "event synchronize returned before the work recorded before it had run");
  return "event synchronize waited for the gated work";
}

std::string waitEvent(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream a = c.hooks.createStream(0), b = c.hooks.createStream(0);
  mtia::Event e(false, c.hooks);
  Probe gate(/*closed=*/true), on_b;
  gate.enqueue(exec, a);
  e.record(a);
  e.block(b);
  on_b.enqueue(exec, b);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int early = on_b.runs();
  const bool idle = exec.query(b);
  gate.open();
  synchronize(c, exec, b);
  expect(early == 0, "work on " + str(b) + " after stream_wait_event ran before the event's "
                     "record on " + str(a) + " completed");
  expect(!idle, "query(" + str(b) + ") was true while it waited for an event");
  expect(on_b.runs() == 1, "work on " + str(b) + " ran " + str(on_b.runs()) + " times");
  return "work after a wait ran only once the event completed";
}

std::string elapsed(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  mtia::Event start(true, c.hooks), end(true, c.hooks);
  Probe gate(/*closed=*/true);
  start.record(s);
  gate.enqueue(exec, s);
  end.record(s);
  {
    const DelayedOpen opener(gate, 40);
    synchronize(c, exec, s);
  }
  const double ms = start.elapsedTime(end);
  const double back = end.elapsedTime(start);
  expect(ms >= 20, "elapsed time across a host function that waited 40 ms is " +
                       std::to_string(ms) + " ms");
  expect(back <= 0, "elapsed time from the later event to the earlier one is " +
                        std::to_string(back) + " ms, not <= 0");
  return std::to_string(ms) + " ms across a 40 ms wait; reversed " + std::to_string(back) + " ms";
}

}  // namespace

std::vector<Check> eventChecks() {
  return {
      {"events.query", "event_query is truthful about the latest record", kEvents, false,
       recordQuery},
      {"events.synchronize", "event_synchronize waits for the work before the record", kEvents,
       false, eventSynchronize},
      {"events.wait", "stream_wait_event holds back later work until the event completes",
       kEvents, false, waitEvent},
      {"events.elapsed", "elapsed time is at least the time between the records, and ordered",
       kEvents, false, elapsed},
  };
}

}  // namespace mtia_conformance
