// stream.cpp — the stream group (the calling thread's current stream; hot,
// like the current device) and the "mtia.streams/1" extension. A stream
// crosses the ABI as (id, device, MTIA); the raw handle is the address of the
// driver's stream object.
#include "binding.h"

namespace sample {

namespace {

constexpr mtia_stream_t kFailed{-1, -1, MTIA_DEVICE_TYPE_MTIA};

mtia_stream_t toAbi(const sim::Stream& s) noexcept { return {s.id, s.device, MTIA_DEVICE_TYPE_MTIA}; }

// Hot: one read of the thread's state, then the device check.
mtia_stream_t get_current_stream(int32_t device) noexcept {
  return value(kFailed, [&] {
    const sim::ThreadState& t = sim::thread();
    const int32_t d = device == -1 ? t.device : device;
    sim::checkDevice(d);
    return mtia_stream_t{t.stream[d], d, MTIA_DEVICE_TYPE_MTIA};
  });
}

int64_t get_current_raw_stream(int32_t device) noexcept {
  return value<int64_t>(-1, [&] { return reinterpret_cast<intptr_t>(&sim::currentStream(resolve(device))); });
}

mtia_stream_t get_default_stream(int32_t device) noexcept {
  return value(kFailed, [&] { return mtia_stream_t{0, resolve(device), MTIA_DEVICE_TYPE_MTIA}; });
}

mtia_status_t set_current_stream(mtia_stream_t stream) noexcept {
  return slot([&] {
    const sim::Stream& s = findStream(stream);
    sim::thread().stream[s.device] = static_cast<uint16_t>(s.id);  // ids are below kMaxStreams
  });
}

// ---- "mtia.streams/1" -----------------------------------------------------

// Every stream is equal: the priority is accepted and ignored.
mtia_status_t create_stream(int32_t device, int32_t /*priority*/, mtia_stream_t* out_stream) noexcept {
  return slot([&] { out(out_stream, "out") = toAbi(sim::createStream(resolve(device))); });
}

mtia_status_t stream_query(mtia_stream_t stream, bool* out_idle) noexcept {
  return slot([&] { out(out_idle, "out_idle") = findStream(stream).idle(); });
}

mtia_status_t stream_synchronize(mtia_stream_t stream) noexcept {
  return slot([&] { findStream(stream).synchronize(); });
}

const mtia_streams_ext_v1_t kStreamsExt = {
    sizeof(mtia_streams_ext_v1_t), &create_stream, &stream_query, &stream_synchronize,
};

}  // namespace

void addStreamSlots(mtia_plugin_api_t& t) noexcept {
  t.get_current_stream = &get_current_stream;
  t.get_current_raw_stream = &get_current_raw_stream;
  t.get_default_stream = &get_default_stream;
  t.set_current_stream = &set_current_stream;
}

const mtia_streams_ext_v1_t* streamsExtension() noexcept { return &kStreamsExt; }

}  // namespace sample
