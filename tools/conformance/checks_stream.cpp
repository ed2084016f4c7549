// checks_stream.cpp — the stream group: default streams, the per-thread
// current stream (core round trips first, then with created streams from
// "mtia.streams/1"), and stream creation.
#include "support.h"

#include <set>

namespace mtia_conformance {

namespace {

const Needs kCore{{"stream"}, {}, 0, 1};
const Needs kCreate{{"stream"}, {MTIA_EXT_STREAMS_V1}, 0, 1};
const Needs kCreateTwoDevices{{"stream"}, {MTIA_EXT_STREAMS_V1}, 0, 2};

Stream streamOf(int64_t id, int device) {
  return Stream::unpack3(id, dev(device), mtia::DeviceType::MTIA);
}

std::string defaultStreams(Context& c) {
  for (int d = 0; d < c.devices; ++d) {
    const Stream s = c.hooks.getDefaultStream(dev(d));
    expect(s == streamOf(0, d), "getDefaultStream(" + str(d) + ") returned " + str(s));
  }
  const int last = c.devices - 1;
  c.hooks.setCurrentDevice(dev(last));
  const Stream current = c.hooks.getDefaultStream(-1);
  expect(current == streamOf(0, last), "getDefaultStream(-1) with device " + str(last) +
                                           " current returned " + str(current));
  return "stream 0 of each device; -1 follows the current device";
}

std::string currentStreamCore(Context& c) {
  // A fresh thread (every check runs on one) starts on the default streams.
  for (int d = 0; d < c.devices; ++d) {
    const Stream s = c.hooks.getCurrentStream(dev(d));
    expect(s == c.hooks.getDefaultStream(dev(d)),
           "a fresh thread's getCurrentStream(" + str(d) + ") returned " + str(s));
  }
  c.hooks.setCurrentDevice(0);
  for (int d = c.devices - 1; d >= 0; --d) {
    const Stream def = c.hooks.getDefaultStream(dev(d));
    c.hooks.setCurrentStream(def);
    expect(c.hooks.getCurrentStream(dev(d)) == def,
           "after setCurrentStream(" + str(def) + "), getCurrentStream(" + str(d) +
               ") returned " + str(c.hooks.getCurrentStream(dev(d))));
    expect(c.hooks.getCurrentDevice() == 0, "setCurrentStream(" + str(def) +
                                                ") changed the current device to " +
                                                str(c.hooks.getCurrentDevice()));
  }
  expect(c.hooks.getCurrentStream(-1) == c.hooks.getCurrentStream(0),
         "getCurrentStream(-1) with device 0 current returned " +
             str(c.hooks.getCurrentStream(-1)));
  try {
    const int64_t raw = c.hooks.getCurrentRawStream(0);
    expect(raw >= 0, "getCurrentRawStream(0) returned " + str(raw));
  } catch (const mtia::PluginError& e) {
    if (e.code() != MTIA_STATUS_NOT_SUPPORTED) throw;
  }
  const Stream unknown = streamOf(987654321, 0);
  const std::string code = failureCode([&] { c.hooks.setCurrentStream(unknown); });
  expect(code != "no error", "setCurrentStream(" + str(unknown) +
                                 "), a stream the plugin never created, succeeded");
  expect(c.hooks.getCurrentStream(0) == c.hooks.getDefaultStream(0),
         "a failed setCurrentStream(" + str(unknown) + ") changed the current stream to " +
             str(c.hooks.getCurrentStream(0)));
  const Stream bad_device = streamOf(0, c.devices);
  const std::string bad = failureCode([&] { c.hooks.setCurrentStream(bad_device); });
  expect(bad == "INVALID_ARGUMENT",
         "setCurrentStream(" + str(bad_device) + ") gave " + bad + ", expected INVALID_ARGUMENT");
  return "default-stream round trips on every device; unknown streams are refused (" + code + ")";
}

std::string createStreams(Context& c) {
  std::set<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    const Stream s = c.hooks.createStream(0);
    expect(s.device_index() == 0 && s.id() != 0,
           "createStream(0) returned " + str(s) + ", not a new stream of device 0");
    expect(ids.insert(s.id()).second, "createStream(0) returned " + str(s) + " twice");
  }
  const int last = c.devices - 1;
  c.hooks.setCurrentDevice(dev(last));
  const Stream s = c.hooks.createStream(-1);
  expect(s.device_index() == last, "createStream(-1) with device " + str(last) +
                                       " current returned " + str(s));
  return "distinct non-default streams; -1 is the current device";
}

std::string setCreated(Context& c) {
  c.hooks.setCurrentDevice(0);
  const Stream s = c.hooks.createStream(1);
  c.hooks.setCurrentStream(s);
  expect(c.hooks.getCurrentStream(1) == s, "after setCurrentStream(" + str(s) +
                                               "), getCurrentStream(1) returned " +
                                               str(c.hooks.getCurrentStream(1)));
  expect(c.hooks.getCurrentStream(0) == c.hooks.getDefaultStream(0),
         "setCurrentStream(" + str(s) + ") with device 0 current changed device 0's current "
         "stream to " + str(c.hooks.getCurrentStream(0)));
  expect(c.hooks.getCurrentDevice() == 0,
         "setCurrentStream(" + str(s) + ") changed the current device to " +
             str(c.hooks.getCurrentDevice()));
  return "a stream becomes current on its own device only";
}

std::string perThreadStream(Context& c) {
  const Stream mine = c.hooks.createStream(0);
  const Stream theirs = c.hooks.createStream(0);
  c.hooks.setCurrentStream(mine);
  Stream fresh = mine;
  onOtherThread([&] {
    fresh = c.hooks.getCurrentStream(0);
    c.hooks.setCurrentStream(theirs);
  });
  expect(fresh == c.hooks.getDefaultStream(0),
         "a fresh thread's current stream on device 0 is " + str(fresh) + ", not the default");
  expect(c.hooks.getCurrentStream(0) == mine,
         "setCurrentStream(" + str(theirs) + ") on another thread changed this thread's "
         "current stream to " + str(c.hooks.getCurrentStream(0)));
  return "fresh threads start on the default stream; threads do not share current streams";
}

}  // namespace

std::vector<Check> streamChecks() {
  return {
      {"stream.default", "getDefaultStream(d) is stream 0 of device d; -1 is the current device",
       kCore, true, defaultStreams},
      {"stream.current",
       "setCurrentStream/getCurrentStream round trips with default streams; unknown streams "
       "and bad devices are refused",
       kCore, true, currentStreamCore},
      {"stream.create", "createStream gives distinct new streams on the requested device",
       kCreate, true, createStreams},
      {"stream.set_created",
       "setCurrentStream(s) changes only s's device's current stream, not the current device",
       kCreateTwoDevices, true, setCreated},
      {"stream.per_thread", "the current stream is per thread; a fresh thread has the default",
       kCreate, true, perThreadStream},
  };
}

}  // namespace mtia_conformance
