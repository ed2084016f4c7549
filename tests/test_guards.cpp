// DeviceGuard and StreamGuard restore the thread's device and stream on scope
// exit, also when an exception leaves the scope.
#include "exec_support.h"

#include <mtia/guards.h>

#include <stdexcept>

using mtia_test::mtiaStream;
using mtia_test::SamplePlugin;

TEST_CASE("DeviceGuard switches the device and restores it", "[guards]") {
  SamplePlugin p;
  p.hooks.setCurrentDevice(0);
  {
    mtia::DeviceGuard guard(1, p.hooks);
    CHECK(p.hooks.getCurrentDevice() == 1);
    CHECK(guard.original_device() == 0);
    CHECK(guard.current_device() == 1);
    guard.set_index(0);
    CHECK(p.hooks.getCurrentDevice() == 0);
    guard.set_index(1);
  }
  CHECK(p.hooks.getCurrentDevice() == 0);
}

TEST_CASE("DeviceGuard restores the device when an exception is thrown", "[guards]") {
  SamplePlugin p;
  p.hooks.setCurrentDevice(1);
  CHECK_THROWS_AS(([&] {
                    mtia::DeviceGuard outer(0, p.hooks);
                    mtia::DeviceGuard inner(1, p.hooks);
                    mtia::DeviceGuard innermost(0, p.hooks);
                    throw std::runtime_error("boom");
                  }()),
                  std::runtime_error);
  CHECK(p.hooks.getCurrentDevice() == 1);
}

TEST_CASE("A DeviceGuard for a bad device throws and changes nothing", "[guards][errors]") {
  SamplePlugin p;
  p.hooks.setCurrentDevice(1);
  CHECK(mtia_test::errorOf([&] { mtia::DeviceGuard guard(7, p.hooks); }) ==
        "exchangeDevice() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 7 is out of range: "
        MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1) (INVALID_ARGUMENT)");
  CHECK(p.hooks.getCurrentDevice() == 1);
}

TEST_CASE("StreamGuard switches device and stream and restores both", "[guards]") {
  SamplePlugin p;
  const mtia::Stream s0 = p.hooks.createStream(0);
  const mtia::Stream s1 = p.hooks.createStream(1);
  p.hooks.setCurrentStream(s0);
  p.hooks.setCurrentDevice(0);
  {
    mtia::StreamGuard guard(s1, p.hooks);
    CHECK(p.hooks.getCurrentDevice() == 1);
    CHECK(p.hooks.getCurrentStream(1) == s1);
    CHECK(p.hooks.getCurrentStream(0) == s0);  // the other device is untouched
    CHECK(guard.original_stream() == mtiaStream(0, 1));
    CHECK(guard.original_device() == 0);
    CHECK(guard.current_stream() == s1);
  }
  CHECK(p.hooks.getCurrentDevice() == 0);
  CHECK(p.hooks.getCurrentStream(1) == mtiaStream(0, 1));
  CHECK(p.hooks.getCurrentStream(0) == s0);
}

TEST_CASE("StreamGuard restores device and stream when an exception is thrown", "[guards]") {
  SamplePlugin p;
  const mtia::Stream a = p.hooks.createStream(0);
  const mtia::Stream b = p.hooks.createStream(0);
  p.hooks.setCurrentDevice(1);
  CHECK_THROWS_AS(([&] {
                    mtia::StreamGuard outer(a, p.hooks);
                    mtia::StreamGuard inner(b, p.hooks);
                    CHECK(p.hooks.getCurrentStream(0) == b);
                    throw std::runtime_error("boom");
                  }()),
                  std::runtime_error);
  CHECK(p.hooks.getCurrentDevice() == 1);
  CHECK(p.hooks.getCurrentStream(0) == mtiaStream(0, 0));
}

TEST_CASE("StreamGuard::reset_stream across devices restores each device's stream", "[guards]") {
  SamplePlugin p;
  const mtia::Stream a = p.hooks.createStream(0);
  const mtia::Stream a2 = p.hooks.createStream(0);
  const mtia::Stream b = p.hooks.createStream(1);
  p.hooks.setCurrentDevice(0);
  {
    mtia::StreamGuard guard(a, p.hooks);
    guard.reset_stream(a2);  // same device: the original stays device 0's default
    CHECK(p.hooks.getCurrentStream(0) == a2);
    CHECK(guard.original_stream() == mtiaStream(0, 0));
    guard.reset_stream(b);   // another device: device 0 gets its stream back now
    CHECK(p.hooks.getCurrentStream(0) == mtiaStream(0, 0));
    CHECK(p.hooks.getCurrentStream(1) == b);
    CHECK(p.hooks.getCurrentDevice() == 1);
    CHECK(guard.original_stream() == mtiaStream(0, 1));
  }
  CHECK(p.hooks.getCurrentDevice() == 0);
  CHECK(p.hooks.getCurrentStream(1) == mtiaStream(0, 1));
}

TEST_CASE("A StreamGuard for a bad stream throws and changes nothing", "[guards][errors]") {
  SamplePlugin p;
  p.hooks.setCurrentDevice(1);
  CHECK(mtia_test::errorOf([&] { mtia::StreamGuard guard(mtiaStream(9, 0), p.hooks); }) ==
        "setCurrentStream() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': stream 9 does not exist on "
        "device 0 (NOT_FOUND)");
  CHECK(p.hooks.getCurrentDevice() == 1);
  CHECK(p.hooks.getCurrentStream(0) == mtiaStream(0, 0));
  CHECK(mtia_test::errorOf([&] { mtia::StreamGuard guard(mtiaStream(0, 4), p.hooks); }) ==
        "getCurrentStream() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': device index 4 is out of range: "
        MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1) (INVALID_ARGUMENT)");
  CHECK(p.hooks.getCurrentDevice() == 1);
}
