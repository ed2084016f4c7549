// events.cpp — "mtia.events/1": an event's record is a marker on the
// stream's command queue (clEnqueueMarkerWithWaitList); waiting is a barrier
// on it; timing comes from the marker's CL_PROFILING_COMMAND_END (every queue
// is created with CL_QUEUE_PROFILING_ENABLE).
#include "../runtime/handles.h"
#include "bind.h"

namespace mtia_ocl {

namespace {

// A counted reference to a cl_event.
class EventRef {
 public:
  EventRef() noexcept = default;
  explicit EventRef(cl_event adopted) noexcept : event_(adopted) {}
  EventRef(const EventRef& o) noexcept : event_(o.event_) { if (event_) clRetainEvent(event_); }
  EventRef& operator=(EventRef o) noexcept {
    std::swap(event_, o.event_);
    return *this;
  }
  ~EventRef() { if (event_) clReleaseEvent(event_); }
  cl_event get() const noexcept { return event_; }

 private:
  cl_event event_ = nullptr;
};

struct Event {
  explicit Event(bool t) noexcept : timing(t) {}
  const bool timing;
  std::mutex mutex;
  EventRef latest;  // the latest record's marker (none: never recorded)

  EventRef latestRecord() {
    std::lock_guard<std::mutex> lock(mutex);
    return latest;
  }
};

Handles<Event> g_events{"event"};

std::shared_ptr<Event> findEvent(int64_t event) {
  runtime();
  return g_events.find(event);
}

bool completed(cl_event e) {
  cl_int status = CL_QUEUED;
  clCheck(clGetEventInfo(e, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(status), &status, nullptr),
          "clGetEventInfo");
  return status == CL_COMPLETE || status < 0;
}

mtia_status_t event_create(uint32_t flags, int64_t* out_event) noexcept {
  return guard([&] {
    if (out_event == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_event is NULL");
    if ((flags & ~MTIA_EVENT_TIMING) != 0) {
      throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                    "event flags " + std::to_string(flags) +
                        " contain unknown bits (known: MTIA_EVENT_TIMING = 1)");
    }
    runtime();
    *out_event = g_events.add(std::make_shared<Event>((flags & MTIA_EVENT_TIMING) != 0));
  });
}

mtia_status_t event_destroy(int64_t event) noexcept {
  return guard([&] {
    runtime();
    g_events.remove(event);  // a queued barrier holds its own reference to the marker
  });
}

mtia_status_t event_record(int64_t event, mtia_stream_t stream) noexcept {
  return guard([&] {
    const std::shared_ptr<Event> e = findEvent(event);
    EventRef marker(runtime().lookupStream(stream).marker());
    std::lock_guard<std::mutex> lock(e->mutex);
    e->latest = std::move(marker);
  });
}

mtia_status_t stream_wait_event(mtia_stream_t stream, int64_t event) noexcept {
  return guard([&] {
    const EventRef marker = findEvent(event)->latestRecord();
    Queue& q = runtime().lookupStream(stream);
    if (marker.get() == nullptr) return;  // never recorded: nothing to wait for
    q.waitFor(marker.get());
  });
}

mtia_status_t event_query(int64_t event, bool* out_done) noexcept {
  return guard([&] {
    if (out_done == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_done is NULL");
    const EventRef marker = findEvent(event)->latestRecord();
    *out_done = marker.get() == nullptr || completed(marker.get());
  });
}

mtia_status_t event_synchronize(int64_t event) noexcept {
  return guard([&] {
    const EventRef marker = findEvent(event)->latestRecord();
    if (marker.get() == nullptr) return;
    cl_event e = marker.get();
    const cl_int rc = clWaitForEvents(1, &e);
    if (rc != CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST) clCheck(rc, "clWaitForEvents");
  });
}

// The device time (ns) a timing event's latest record completed at.
cl_ulong completionTime(int64_t event) {
  const std::shared_ptr<Event> e = findEvent(event);
  const std::string name = "event " + std::to_string(event);
  if (!e->timing) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  name + " was created without MTIA_EVENT_TIMING: it keeps no time");
  }
  const EventRef marker = e->latestRecord();
  if (marker.get() == nullptr) throw Failure(MTIA_STATUS_INVALID_STATE, name + " has not been recorded");
  if (!completed(marker.get())) {
    throw Failure(MTIA_STATUS_INVALID_STATE, name + " has not completed yet: synchronize it first");
  }
  cl_ulong ns = 0;
  clCheck(clGetEventProfilingInfo(marker.get(), CL_PROFILING_COMMAND_END, sizeof(ns), &ns, nullptr),
          "clGetEventProfilingInfo(CL_PROFILING_COMMAND_END)");
  return ns;
}

mtia_status_t event_elapsed_time(int64_t start, int64_t end, int64_t* out_ns) noexcept {
  return guard([&] {
    if (out_ns == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_ns is NULL");
    const cl_ulong from = completionTime(start);
    const cl_ulong to = completionTime(end);
    *out_ns = static_cast<int64_t>(to) - static_cast<int64_t>(from);
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

void clearEvents() noexcept { g_events.clear(); }

}  // namespace mtia_ocl
