// events.cpp — the "mtia.events/1" extension. An event is a driver handle;
// recording enqueues a marker on the stream, and a wait, query or
// synchronize refers to the latest record made before it (CUDA's rule).
#include "binding.h"

namespace sample {

namespace {

mtia_status_t event_create(uint32_t flags, int64_t* out_event) noexcept {
  return slot([&] {
    out(out_event, "out_event");
    if ((flags & ~MTIA_EVENT_TIMING) != 0) {
      throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                    str("event flags ", flags, " contain unknown bits (known: MTIA_EVENT_TIMING = 1)"));
    }
    *out_event = sim::createEvent((flags & MTIA_EVENT_TIMING) != 0);
  });
}

mtia_status_t event_destroy(int64_t event) noexcept { return slot([&] { sim::destroyEvent(event); }); }
mtia_status_t event_synchronize(int64_t event) noexcept { return slot([&] { sim::synchronizeEvent(event); }); }

mtia_status_t event_record(int64_t event, mtia_stream_t stream) noexcept {
  return slot([&] { sim::recordEvent(event, findStream(stream)); });
}

mtia_status_t stream_wait_event(mtia_stream_t stream, int64_t event) noexcept {
  return slot([&] { sim::waitEvent(findStream(stream), event); });
}

mtia_status_t event_query(int64_t event, bool* out_done) noexcept {
  return slot([&] { out(out_done, "out_done") = sim::queryEvent(event); });
}

mtia_status_t event_elapsed_time(int64_t start, int64_t end, int64_t* out_ns) noexcept {
  return slot([&] { out(out_ns, "out_ns") = sim::elapsedNs(start, end); });
}

const mtia_events_ext_v1_t kEventsExt = {
    sizeof(mtia_events_ext_v1_t), &event_create,      &event_destroy,     &event_record,
    &stream_wait_event,           &event_query,       &event_synchronize, &event_elapsed_time,
};

}  // namespace

const mtia_events_ext_v1_t* eventsExtension() noexcept { return &kEventsExt; }

}  // namespace sample
