// streams.cpp — the stream group and "mtia.streams/1": a stream is an
// in-order command queue; stream 0 of each device is created with the
// runtime, the others by create_stream. The current stream is per thread.
#include "bind.h"

namespace mtia_ocl {

Queue& currentStream(int32_t device) {
  return runtime().lookupStream(
      {threadState().stream[static_cast<size_t>(device)], device, MTIA_DEVICE_TYPE_MTIA});
}

namespace {

constexpr mtia_stream_t kFailedStream{-1, -1, MTIA_DEVICE_TYPE_MTIA};

mtia_stream_t get_current_stream(int32_t device) noexcept {
  return guard_value(kFailedStream, [&] {
    const int32_t d = resolveDevice(device);
    return mtia_stream_t{threadState().stream[static_cast<size_t>(d)], d, MTIA_DEVICE_TYPE_MTIA};
  });
}

int64_t get_current_raw_stream(int32_t device) noexcept {
  return guard_value<int64_t>(-1, [&] {
    // The raw handle is the stream's cl_command_queue.
    return static_cast<int64_t>(reinterpret_cast<intptr_t>(currentStream(resolveDevice(device)).get()));
  });
}

mtia_stream_t get_default_stream(int32_t device) noexcept {
  return guard_value(kFailedStream, [&] {
    return mtia_stream_t{0, resolveDevice(device), MTIA_DEVICE_TYPE_MTIA};
  });
}

mtia_status_t set_current_stream(mtia_stream_t stream) noexcept {
  return guard([&] {
    runtime().lookupStream(stream);
    threadState().stream[static_cast<size_t>(stream.device_index)] = stream.stream_id;
  });
}

mtia_status_t create_stream(int32_t device, int32_t priority, mtia_stream_t* out) noexcept {
  return guard([&] {
    if (out == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out is NULL");
    const Queue& q = runtime().createStream(resolveDevice(device), priority);
    *out = {q.id(), q.device(), MTIA_DEVICE_TYPE_MTIA};
  });
}

mtia_status_t stream_query(mtia_stream_t stream, bool* out_idle) noexcept {
  return guard([&] {
    if (out_idle == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "out_idle is NULL");
    *out_idle = runtime().lookupStream(stream).idle();
  });
}

mtia_status_t stream_synchronize(mtia_stream_t stream) noexcept {
  return guard([&] { runtime().lookupStream(stream).synchronize(); });
}

const mtia_streams_ext_v1_t kStreamsExt = {
    sizeof(mtia_streams_ext_v1_t),
    &create_stream,
    &stream_query,
    &stream_synchronize,
};

}  // namespace

const mtia_streams_ext_v1_t* streamsExtension() noexcept { return &kStreamsExt; }

void fillStreamSlots(mtia_plugin_api_t& t) noexcept {
  t.get_current_stream = &get_current_stream;
  t.get_current_raw_stream = &get_current_raw_stream;
  t.get_default_stream = &get_default_stream;
  t.set_current_stream = &set_current_stream;
}

}  // namespace mtia_ocl
