// Stream hooks of the sample plugin, and the "mtia.streams/1" extension.
#include "test_support.h"

#include <thread>

namespace {

struct SamplePlugin {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(mtia_test::samplePluginPath());
};

mtia::Stream mtiaStream(int64_t id, int device) {
  return mtia::Stream(id, mtia::Device(mtia::DeviceType::MTIA, static_cast<mtia::DeviceIndex>(device)));
}

}  // namespace

TEST_CASE("Each device starts on its default stream", "[stream]") {
  SamplePlugin p;
  for (int d = 0; d < 2; ++d) {
    const auto idx = static_cast<mtia::DeviceIndex>(d);
    CHECK(p.hooks.getCurrentStream(idx) == mtiaStream(0, d));
    CHECK(p.hooks.getDefaultStream(idx) == mtiaStream(0, d));
    CHECK(p.hooks.getCurrentStream(idx).device_type() == mtia::DeviceType::MTIA);
  }
}

TEST_CASE("Device -1 means the current device", "[stream]") {
  SamplePlugin p;
  p.hooks.setCurrentDevice(1);
  CHECK(p.hooks.getCurrentStream(-1) == mtiaStream(0, 1));
  CHECK(p.hooks.getDefaultStream(-1) == mtiaStream(0, 1));
  CHECK(p.hooks.createStream(-1).device_index() == 1);
}

TEST_CASE("Created streams can be made current, per device", "[stream]") {
  SamplePlugin p;
  const mtia::Stream s1 = p.hooks.createStream(0);
  const mtia::Stream s2 = p.hooks.createStream(0);
  const mtia::Stream t1 = p.hooks.createStream(1, -1);
  CHECK(s1.id() != 0);
  CHECK(s2.id() != s1.id());
  CHECK(s1.device_index() == 0);
  CHECK(t1.device_index() == 1);
  p.hooks.setCurrentStream(s2);
  CHECK(p.hooks.getCurrentStream(0) == s2);
  CHECK(p.hooks.getCurrentStream(1) == mtiaStream(0, 1));  // other device untouched
  CHECK(p.hooks.getDefaultStream(0) == mtiaStream(0, 0));
  p.hooks.setCurrentStream(t1);
  CHECK(p.hooks.getCurrentStream(1) == t1);
  CHECK(p.hooks.getCurrentStream(0) == s2);
  p.hooks.setCurrentStream(p.hooks.getDefaultStream(0));
  CHECK(p.hooks.getCurrentStream(0) == mtiaStream(0, 0));
}

TEST_CASE("Raw streams identify streams", "[stream]") {
  SamplePlugin p;
  const int64_t raw_default = p.hooks.getCurrentRawStream(0);
  CHECK(raw_default > 0);
  CHECK(p.hooks.getCurrentRawStream(1) != raw_default);
  const mtia::Stream s = p.hooks.createStream(0);
  p.hooks.setCurrentStream(s);
  const int64_t raw_s = p.hooks.getCurrentRawStream(0);
  CHECK(raw_s != raw_default);
  p.hooks.setCurrentStream(mtiaStream(0, 0));
  CHECK(p.hooks.getCurrentRawStream(0) == raw_default);
}

TEST_CASE("The current stream is per thread", "[stream][threads]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.createStream(0);
  p.hooks.setCurrentStream(s);
  mtia::Stream seen = mtiaStream(-1, 0);
  std::thread t([&] { seen = p.hooks.getCurrentStream(0); });
  t.join();
  CHECK(seen == mtiaStream(0, 0));
  CHECK(p.hooks.getCurrentStream(0) == s);
}

TEST_CASE("Stream errors name the hook and the problem", "[stream][errors]") {
  SamplePlugin p;
  CHECK(mtia_test::errorOf([&] { p.hooks.setCurrentStream(mtiaStream(42, 0)); }) ==
        "setCurrentStream() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': stream 42 does not exist on "
        "device 0 (NOT_FOUND)");
  CHECK(mtia_test::errorOf([&] { p.hooks.setCurrentStream(mtiaStream(0, 2)); }) ==
        "setCurrentStream() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 2 is out of range: "
        MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1) (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] {
          p.hooks.setCurrentStream(mtia::Stream(0, mtia::Device(mtia::DeviceType::CPU, 0)));
        }) == "setCurrentStream() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': the stream's device type "
              "is 0, not MTIA (19) (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.hooks.getCurrentStream(3); }) ==
        "getCurrentStream() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 3 is out of range: "
        MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1) (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.hooks.getDefaultStream(3); }) ==
        "getDefaultStream() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 3 is out of range: "
        MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1) (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.hooks.getCurrentRawStream(3); }) ==
        "getCurrentRawStream() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 3 is out of "
        "range: " MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1) (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.hooks.createStream(4); }) ==
        "createStream() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 4 is out of range: "
        MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1) (INVALID_ARGUMENT)");
}

TEST_CASE("The streams extension is reachable by id", "[stream][extension]") {
  SamplePlugin p;
  const auto* ext =
      static_cast<const mtia_streams_ext_v1_t*>(p.hooks.getExtension(MTIA_EXT_STREAMS_V1));
  REQUIRE(ext != nullptr);
  CHECK(ext->struct_size >= sizeof(mtia_streams_ext_v1_t));
  CHECK(p.hooks.getExtension("mtia.streams/999") == nullptr);
  CHECK(p.hooks.getExtension("no.such.extension/1") == nullptr);
  const mtia::Stream s = p.hooks.createStream(1);
  bool idle = false;
  CHECK(ext->stream_query({s.id(), 1, MTIA_DEVICE_TYPE_MTIA}, &idle) == MTIA_STATUS_OK);
  CHECK(idle);
  CHECK(ext->stream_synchronize({s.id(), 1, MTIA_DEVICE_TYPE_MTIA}) == MTIA_STATUS_OK);
  CHECK(ext->stream_synchronize({999, 1, MTIA_DEVICE_TYPE_MTIA}) == MTIA_STATUS_NOT_FOUND);
}

TEST_CASE("Device -1 works on a thread whose first hook call it is", "[stream][threads]") {
  SamplePlugin p;
  mtia::Stream default_stream = mtiaStream(-1, 0);
  mtia::Stream current_stream = mtiaStream(-1, 0);
  std::thread t1([&] { default_stream = p.hooks.getDefaultStream(-1); });
  t1.join();
  std::thread t2([&] { current_stream = p.hooks.getCurrentStream(-1); });
  t2.join();
  CHECK(default_stream == mtiaStream(0, 0));
  CHECK(current_stream == mtiaStream(0, 0));
}
