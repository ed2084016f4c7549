// events.cpp — the "mtia.events/1" slots. Recording an event enqueues a fresh
// Marker and makes it the event's latest record; a wait enqueues a Wait on
// that Marker, so it refers to the record made before it (CUDA's rule).
#include "runtime.h"

#include <chrono>
#include <utility>

namespace mtia_sample {

namespace {

using mtia::plugin::guard;

std::shared_ptr<SampleEvent> findEvent(int64_t event) { return runtime().events.find(event); }

mtia_status_t event_create(uint32_t flags, int64_t* out_event) noexcept {
  return guard([&] {
    if (out_event == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_event is NULL");
    if ((flags & ~MTIA_EVENT_TIMING) != 0) {
      throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                    "event flags " + std::to_string(flags) +
                        " contain unknown bits (known: MTIA_EVENT_TIMING = 1)");
    }
    *out_event = runtime().events.add(std::make_shared<SampleEvent>((flags & MTIA_EVENT_TIMING) != 0));
  });
}

mtia_status_t event_destroy(int64_t event) noexcept {
  return guard([&] { runtime().events.remove(event); });
}

mtia_status_t event_record(int64_t event, mtia_stream_t stream) noexcept {
  return guard([&] {
    const std::shared_ptr<SampleEvent> e = findEvent(event);
    SampleStream& s = runtime().lookupStream(stream);
    Op op;
    op.kind = Op::Kind::Record;
    op.marker = std::make_shared<Marker>();
    std::shared_ptr<Marker> marker = op.marker;
    s.exec.submit(std::move(op));
    std::lock_guard<std::mutex> lock(e->mutex);
    e->latest_record = std::move(marker);
  });
}

mtia_status_t stream_wait_event(mtia_stream_t stream, int64_t event) noexcept {
  return guard([&] {
    const std::shared_ptr<SampleEvent> e = findEvent(event);
    SampleStream& s = runtime().lookupStream(stream);
    Op op;
    op.kind = Op::Kind::Wait;
    op.marker = e->latest();
    if (op.marker == nullptr) return;  // never recorded: nothing to wait for
    s.exec.submit(std::move(op));
  });
}

mtia_status_t event_query(int64_t event, bool* out_done) noexcept {
  return guard([&] {
    if (out_done == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_done is NULL");
    const std::shared_ptr<Marker> marker = findEvent(event)->latest();
    *out_done = marker == nullptr || marker->done();
  });
}

mtia_status_t event_synchronize(int64_t event) noexcept {
  return guard([&] {
    if (const std::shared_ptr<Marker> marker = findEvent(event)->latest()) marker->wait();
  });
}

// The completion time of a timing event's latest record, or Failure.
Marker::Clock::time_point completionTime(int64_t event) {
  const std::shared_ptr<SampleEvent> e = findEvent(event);
  const std::string name = "event " + std::to_string(event);
  if (!e->timing) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  name + " was created without MTIA_EVENT_TIMING: it keeps no time");
  }
  const std::shared_ptr<Marker> marker = e->latest();
  if (marker == nullptr) throw Failure(MTIA_STATUS_INVALID_STATE, name + " has not been recorded");
  if (!marker->done()) {
    throw Failure(MTIA_STATUS_INVALID_STATE,
                  name + " has not completed yet: synchronize it first");
  }
  return marker->completedAt();
}

mtia_status_t event_elapsed_time(int64_t start, int64_t end, int64_t* out_ns) noexcept {
  return guard([&] {
    if (out_ns == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_ns is NULL");
    const auto from = completionTime(start);
    const auto to = completionTime(end);
    *out_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
  });
}

const mtia_events_ext_v1_t kEventsExt = {
    sizeof(mtia_events_ext_v1_t),
    &event_create,
    &event_destroy,
    &event_record,
    &stream_wait_event,
    &event_query,
    &event_synchronize,
    &event_elapsed_time,
};

}  // namespace

const mtia_events_ext_v1_t* eventsExtension() noexcept { return &kEventsExt; }

}  // namespace mtia_sample
