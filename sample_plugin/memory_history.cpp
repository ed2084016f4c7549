#include "memory_history.h"

#include <mtia/plugin_support.hpp>

#include <algorithm>
#include <cstring>

namespace mtia_sample {

using mtia::plugin::Failure;

HistoryConfig parseHistoryConfig(const char* enabled, const char* stacks, uint64_t max_entries) {
  HistoryConfig config;
  if (enabled == nullptr) return config;  // stop recording
  if (std::strcmp(enabled, "state") == 0) {
    config.mode = HistoryMode::State;
  } else if (std::strcmp(enabled, "all") == 0) {
    config.mode = HistoryMode::All;
  } else {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT, std::string("enabled='") + enabled +
                                                    "' is not one of null, \"state\" or \"all\"");
  }
  const std::string s = stacks != nullptr ? stacks : "";
  if (s != "python" && s != "cpp" && s != "all" && !s.empty()) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  "stacks='" + s + "' is not one of \"python\", \"cpp\", \"all\" or \"\"");
  }
  if (max_entries == 0) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  "max_entries is 0: the history must hold at least one entry");
  }
  config.stacks = s;
  config.max_entries = max_entries;
  return config;
}

const char* historyModeName(HistoryMode mode) noexcept {
  switch (mode) {
    case HistoryMode::State: return "state";
    case HistoryMode::All: return "all";
    case HistoryMode::Off: break;
  }
  return nullptr;
}

const char* traceActionName(TraceAction action) noexcept {
  switch (action) {
    case TraceAction::Alloc: return "alloc";
    case TraceAction::Free: return "free";
    case TraceAction::SegmentAlloc: return "segment_alloc";
    case TraceAction::SegmentFree: return "segment_free";
    case TraceAction::Oom: return "oom";
  }
  return "unknown";
}

void TraceRing::setCapacity(uint64_t max_entries) {
  std::vector<TraceEvent> events = ordered();
  if (events.size() > max_entries) {
    events.erase(events.begin(), events.end() - static_cast<std::ptrdiff_t>(max_entries));
  }
  ring_ = std::move(events);
  next_ = 0;
  capacity_ = max_entries;
}

void TraceRing::clear() noexcept {
  ring_.clear();
  next_ = 0;
}

void TraceRing::push(const TraceEvent& event) noexcept {
  if (capacity_ == 0) return;
  if (ring_.size() < capacity_) {
    try {
      ring_.push_back(event);
    } catch (...) {  // out of host memory: the event is lost, the call is not
    }
    return;
  }
  ring_[next_] = event;
  next_ = (next_ + 1) % ring_.size();
}

std::vector<TraceEvent> TraceRing::ordered() const {
  std::vector<TraceEvent> events;
  events.reserve(ring_.size());
  const auto split = ring_.begin() + static_cast<std::ptrdiff_t>(next_);
  events.insert(events.end(), split, ring_.end());
  events.insert(events.end(), ring_.begin(), split);
  return events;
}

}  // namespace mtia_sample
