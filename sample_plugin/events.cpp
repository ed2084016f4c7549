// events.cpp — the "mtia.events/1" extension. An event is a driver handle; recording enqueues
// a marker, and a wait, query or synchronize refers to the latest record before it (CUDA's rule).
#include "binding.h"

namespace sample {

mtia_events_ext_v1_t makeEventsExt() noexcept {
  mtia_events_ext_v1_t e{};
  e.struct_size = sizeof(e);
  e.event_create = [](uint32_t flags, int64_t* out_event) noexcept {
    return slot([&] {
      out(out_event, "out_event");
      if ((flags & ~MTIA_EVENT_TIMING) != 0) {
        throw Failure(MTIA_STATUS_INVALID_ARGUMENT, str("event flags ", flags, " contain unknown bits "
                                                        "(known: MTIA_EVENT_TIMING = 1)"));
      }
      *out_event = sim::createEvent((flags & MTIA_EVENT_TIMING) != 0);
    });
  };
  e.event_destroy = [](int64_t event) noexcept { return slot([&] { sim::destroyEvent(event); }); };
  e.event_record = [](int64_t event, mtia_stream_t stream) noexcept {
    return slot([&] { sim::recordEvent(event, findStream(stream)); });
  };
  e.stream_wait_event = [](mtia_stream_t stream, int64_t event) noexcept {
    return slot([&] { sim::waitEvent(findStream(stream), event); });
  };
  e.event_query = [](int64_t event, bool* out_done) noexcept {
    return slot([&] { out(out_done, "out_done") = sim::queryEvent(event); });
  };
  e.event_synchronize = [](int64_t event) noexcept {
    return slot([&] { sim::synchronizeEvent(event); });
  };
  e.event_elapsed_time = [](int64_t start, int64_t end, int64_t* out_ns) noexcept {
    return slot([&] { out(out_ns, "out_ns") = sim::elapsedNs(start, end); });
  };
  return e;
}

}  // namespace sample
