// events.h — the "mtia.events/1" extension: events are handles to the latest
// Marker recorded on a stream (see streams.h).
#pragma once

#include "handles.h"
#include "streams.h"

#include <memory>
#include <mutex>

namespace mtia_sample {

struct SampleEvent {
  explicit SampleEvent(bool timing_) noexcept : timing(timing_) {}

  const bool timing;  // created with MTIA_EVENT_TIMING

  // The latest record, or nullptr when the event was never recorded.
  std::shared_ptr<Marker> latest() const {
    std::lock_guard<std::mutex> lock(mutex);
    return latest_record;
  }

  mutable std::mutex mutex;
  std::shared_ptr<Marker> latest_record;  // guarded by mutex
};

using EventTable = Handles<SampleEvent>;

// The extension table (static, valid for the plugin's lifetime).
const mtia_events_ext_v1_t* eventsExtension() noexcept;

}  // namespace mtia_sample
