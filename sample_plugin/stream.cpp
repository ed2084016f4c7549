// stream.cpp — the stream group (the calling thread's current stream; hot) and the
// "mtia.streams/1" extension. A stream crosses the ABI as (id, device, MTIA); the
// raw handle is the address of the driver's stream object.
#include "binding.h"

namespace sample {

constexpr mtia_stream_t kFailed{-1, -1, MTIA_DEVICE_TYPE_MTIA};

static mtia_stream_t toAbi(const sim::Stream& s) { return {s.id, s.device, MTIA_DEVICE_TYPE_MTIA}; }

mtia_streams_ext_v1_t makeStreamsExt() noexcept {
  mtia_streams_ext_v1_t e{};
  e.struct_size = sizeof(e);
  // Every stream is equal: the priority is accepted and ignored.
  e.create_stream = [](int32_t device, int32_t /*priority*/, mtia_stream_t* out_stream) noexcept {
    return slot([&] { out(out_stream, "out") = toAbi(sim::createStream(resolve(device))); });
  };
  e.stream_query = [](mtia_stream_t stream, bool* out_idle) noexcept {
    return slot([&] { out(out_idle, "out_idle") = findStream(stream).idle(); });
  };
  e.stream_synchronize = [](mtia_stream_t stream) noexcept {
    return slot([&] { findStream(stream).synchronize(); });
  };
  return e;
}

void addStreamSlots(mtia_plugin_api_t& t) noexcept {
  t.get_current_stream = [](int32_t device) noexcept {  // hot: one read of the thread's state
    return value(kFailed, [&] {
      const sim::ThreadState& ts = sim::thread();
      const int32_t d = device == -1 ? ts.device : device;
      sim::checkDevice(d);
      return mtia_stream_t{ts.stream[d], d, MTIA_DEVICE_TYPE_MTIA};
    });
  };
  t.get_current_raw_stream = [](int32_t device) noexcept {
    return value<int64_t>(-1, [&] {
      return reinterpret_cast<intptr_t>(&sim::currentStream(resolve(device)));
    });
  };
  t.get_default_stream = [](int32_t device) noexcept {
    return value(kFailed, [&] { return mtia_stream_t{0, resolve(device), MTIA_DEVICE_TYPE_MTIA}; });
  };
  t.set_current_stream = [](mtia_stream_t stream) noexcept {
    return slot([&] {
      const sim::Stream& s = findStream(stream);
      sim::thread().stream[s.device] = static_cast<uint16_t>(s.id);  // ids are below kMaxStreams
    });
  };
}

}  // namespace sample
