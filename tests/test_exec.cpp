// Work on streams ("mtia.exec/1"): order, asynchrony, overlap between
// streams, deviceSynchronize, errors, and shutdown with work queued.
#include "exec_support.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <numeric>
#include <thread>

using mtia_test::bytes;
using mtia_test::DeviceBuffer;
using mtia_test::Gate;
using mtia_test::LogEntry;
using mtia_test::mtiaStream;
using mtia_test::SamplePlugin;

TEST_CASE("memset and memcpy move bytes between host and device", "[exec]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.getCurrentStream(0);
  DeviceBuffer a(p.hooks, 0, 256), b(p.hooks, 0, 256);
  std::vector<uint8_t> host(256);
  std::iota(host.begin(), host.end(), uint8_t{0});

  p.exec.memcpy(s, a.get(), host.data(), 256, mtia::MemcpyKind::HostToDevice);
  p.exec.memcpy(s, b.get(), a.get(), 256, mtia::MemcpyKind::DeviceToDevice);
  p.exec.memset(s, a.get() + 16, 0xEE, 32);
  p.exec.synchronize(s);
  CHECK(b.read(p.exec, s) == host);
  std::vector<uint8_t> expected = host;
  std::fill(expected.begin() + 16, expected.begin() + 48, uint8_t{0xEE});
  CHECK(a.read(p.exec, s) == expected);
}

TEST_CASE("Work on one stream runs in submission order", "[exec]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.createStream(0);
  DeviceBuffer buf(p.hooks, 0, 64);
  std::vector<uint8_t> seen(20);
  // memset, then copy what is there, twenty times: each copy must see the
  // memset just before it and not a later one.
  for (size_t i = 0; i < seen.size(); ++i) {
    p.exec.memset(s, buf.get(), static_cast<int>(i + 1), 64);
    p.exec.memcpy(s, &seen[i], buf.get() + 63, 1, mtia::MemcpyKind::DeviceToHost);
  }
  std::vector<int> log;
  std::vector<LogEntry> entries;
  for (int i = 0; i < 1000; ++i) entries.push_back({&log, i});
  log.reserve(entries.size());
  for (LogEntry& e : entries) p.exec.launchHostFunc(s, &LogEntry::fn, &e);
  p.exec.synchronize(s);

  std::vector<uint8_t> expected(20);
  std::iota(expected.begin(), expected.end(), uint8_t{1});
  CHECK(seen == expected);
  std::vector<int> in_order(1000);
  std::iota(in_order.begin(), in_order.end(), 0);
  CHECK(log == in_order);
  CHECK(p.exec.query(s));
}

TEST_CASE("Submitting returns before the work runs", "[exec]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.getCurrentStream(0);
  DeviceBuffer buf(p.hooks, 0, 64);
  p.exec.memset(s, buf.get(), 0, 64);
  Gate gate;
  p.exec.launchHostFunc(s, &Gate::waitFn, &gate);  // the stream blocks here
  p.exec.memset(s, buf.get(), 9, 64);              // ... and this waits behind it
  CHECK_FALSE(p.exec.query(s));
  gate.open();
  p.exec.synchronize(s);
  CHECK(p.exec.query(s));
  CHECK(buf.read(p.exec, s) == bytes(64, 9));
}

TEST_CASE("Each thread's submissions to a shared stream keep their order", "[exec][threads]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.createStream(1);
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<int> log;
  log.reserve(kThreads * kPerThread);
  std::vector<std::vector<LogEntry>> entries(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) entries[static_cast<size_t>(t)].push_back({&log, t * kPerThread + i});
  }
  std::vector<std::thread> threads;
  for (auto& mine : entries) {
    threads.emplace_back([&] {
      for (LogEntry& e : mine) p.exec.launchHostFunc(s, &LogEntry::fn, &e);
    });
  }
  for (auto& t : threads) t.join();
  p.exec.synchronize(s);
  REQUIRE(log.size() == size_t{kThreads * kPerThread});
  std::vector<int> last(kThreads, -1);
  for (int v : log) {
    const auto t = static_cast<size_t>(v / kPerThread);
    CHECK(v > last[t]);
    last[t] = v;
  }
}

TEST_CASE("A blocked stream does not hold up another stream", "[exec][threads]") {
  SamplePlugin p;
  const mtia::Stream slow = p.hooks.createStream(0);
  const mtia::Stream fast = p.hooks.createStream(0);
  DeviceBuffer buf(p.hooks, 0, 64);

  Gate gate;
  std::atomic<bool> slow_done{false};
  p.exec.launchHostFunc(slow, &Gate::waitFn, &gate);
  p.exec.launchHostFunc(slow, [](void* done) noexcept -> mtia_status_t {
    static_cast<std::atomic<bool>*>(done)->store(true);
    return MTIA_STATUS_OK;
  }, &slow_done);

  // The fast stream finishes its work while the slow one is still blocked.
  p.exec.memset(fast, buf.get(), 5, 64);
  CHECK(buf.read(p.exec, fast) == bytes(64, 5));
  CHECK_FALSE(slow_done.load());
  CHECK_FALSE(p.exec.query(slow));

  // And the fast stream can release the slow one.
  p.exec.launchHostFunc(fast, &Gate::openFn, &gate);
  p.exec.synchronize(slow);
  p.exec.synchronize(fast);
  CHECK(slow_done.load());
}

TEST_CASE("deviceSynchronize waits for every stream of the device", "[exec][threads]") {
  SamplePlugin p;
  std::vector<mtia::Stream> streams = {p.hooks.getDefaultStream(0), p.hooks.createStream(0),
                                       p.hooks.createStream(0)};
  DeviceBuffer buf(p.hooks, 0, 3 * 64);
  Gate gates[3];
  std::atomic<int> finished{0};
  for (size_t i = 0; i < streams.size(); ++i) {
    p.exec.memset(streams[i], buf.get() + 64 * i, 0, 64);
    p.exec.launchHostFunc(streams[i], &Gate::waitFn, &gates[i]);
    p.exec.memset(streams[i], buf.get() + 64 * i, static_cast<int>(i + 1), 64);
    p.exec.launchHostFunc(streams[i], [](void* n) noexcept -> mtia_status_t {
      static_cast<std::atomic<int>*>(n)->fetch_add(1);
      return MTIA_STATUS_OK;
    }, &finished);
  }
  // A stream of device 1 stays blocked throughout: device 0's synchronize
  // must not wait for it.
  Gate other_device;
  const mtia::Stream other = p.hooks.createStream(1);
  p.exec.launchHostFunc(other, &Gate::waitFn, &other_device);

  // The gates open only once this thread is about to synchronize, so the
  // work is still blocked when deviceSynchronize starts.
  Gate about_to_sync;
  std::thread opener([&] {
    about_to_sync.wait();
    for (Gate& g : gates) g.open();
  });
  about_to_sync.open();
  p.hooks.deviceSynchronize(0);
  const int finished_at_return = finished.load();
  opener.join();
  CHECK(finished_at_return == 3);
  CHECK_FALSE(p.exec.query(other));
  std::vector<uint8_t> expected = bytes(64, 1);
  expected.resize(128, 2);
  expected.resize(192, 3);
  CHECK(buf.read(p.exec, streams[0]) == expected);
  other_device.open();
  p.hooks.deviceSynchronize(1);
  CHECK(p.exec.query(other));
}

TEST_CASE("A failure inside queued work is reported by the next synchronize", "[exec][errors]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.createStream(0);
  mtia_status_t internal = MTIA_STATUS_INTERNAL, not_found = MTIA_STATUS_NOT_FOUND;
  bool ran_after = false;

  p.exec.launchHostFunc(s, &mtia_test::failWith, &internal);
  p.exec.launchHostFunc(s, [](void* flag) noexcept -> mtia_status_t {
    *static_cast<bool*>(flag) = true;
    return MTIA_STATUS_OK;
  }, &ran_after);
  CHECK(mtia_test::errorOf([&] { p.exec.synchronize(s); }) ==
        "StreamExec::synchronize() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': queued host function on "
        "stream 1 of device 0 failed: it returned status 7 (INTERNAL)");
  CHECK(ran_after);  // later work still runs
  p.exec.synchronize(s);  // reported once

  // Several failures: the first is reported. The OpenCL plugin counts the
  // others; the sample plugin drops them.
#ifdef MTIA_TEST_PLUGIN_OPENCL
  const std::string more = " (and 2 more failures since the last synchronize)";
#else
  const std::string more;
#endif
  p.exec.launchHostFunc(s, &mtia_test::failWith, &not_found);
  p.exec.launchHostFunc(s, &mtia_test::failWith, &internal);
  p.exec.launchHostFunc(s, &mtia_test::failWith, &internal);
  CHECK(mtia_test::errorOf([&] { p.exec.synchronize(s); }) ==
        "StreamExec::synchronize() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': queued host function on "
        "stream 1 of device 0 failed: it returned status 5" + more + " (NOT_FOUND)");
  p.exec.synchronize(s);

  // deviceSynchronize reports the first failing stream's failure. The OpenCL
  // plugin counts the other failing streams and clears them; in the sample
  // plugin they keep their failures for the next synchronize.
  const mtia::Stream t = p.hooks.createStream(0);
  p.exec.launchHostFunc(s, &mtia_test::failWith, &internal);
  p.exec.launchHostFunc(t, &mtia_test::failWith, &not_found);
  const std::string prefix = "deviceSynchronize() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME
                             "': queued host function on stream ";
#ifdef MTIA_TEST_PLUGIN_OPENCL
  CHECK(mtia_test::errorOf([&] { p.hooks.deviceSynchronize(0); }) ==
        prefix + "1 of device 0 failed: it returned status 7 (and failures on 1 other stream of device 0) "
                 "(INTERNAL)");
#else
  CHECK(mtia_test::errorOf([&] { p.hooks.deviceSynchronize(0); }) ==
        prefix + "1 of device 0 failed: it returned status 7 (INTERNAL)");
  CHECK(mtia_test::errorOf([&] { p.hooks.deviceSynchronize(0); }) ==
        prefix + "2 of device 0 failed: it returned status 5 (NOT_FOUND)");
#endif
  p.hooks.deviceSynchronize(0);
  p.exec.synchronize(s);
  p.exec.synchronize(t);
}

// deviceFree waits for the work queued on the device before it (cudaFree's
// rule): that work still sees the block, and only then may it be reused.
TEST_CASE("deviceFree waits for queued work that still uses the block", "[exec][memory][simulator]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.createStream(0);
  constexpr size_t kBytes = 4096;
  auto* block = static_cast<uint8_t*>(p.hooks.deviceAlloc(0, kBytes));
  std::memset(block, 0x5A, kBytes);
  std::vector<uint8_t> seen(kBytes, 0);
  Gate gate;
  p.exec.launchHostFunc(s, &Gate::waitFn, &gate);  // the copy below waits behind it
  p.exec.memcpy(s, seen.data(), block, kBytes, mtia::MemcpyKind::DeviceToHost);
  std::atomic<bool> freed{false};
  std::thread freeing([&] {
    p.hooks.deviceFree(block);
    freed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(freed.load());  // the free waits for the gated copy
  gate.open();
  freeing.join();
  CHECK(p.exec.query(s));
  auto* again = static_cast<uint8_t*>(p.hooks.deviceAlloc(0, kBytes));
  CHECK(again == block);  // the cache hands the block out again, now
  std::memset(again, 0, kBytes);
  p.exec.synchronize(s);
  CHECK(seen == bytes(kBytes, 0x5A));  // the copy saw the old block intact
  p.hooks.deviceFree(again);
}

// A graph may replay work after its memory was freed: the work fails then.
TEST_CASE("Replayed work on freed device memory is an error at synchronize", "[exec][errors][simulator]") {
  SamplePlugin p;
  auto* block = p.hooks.deviceAlloc(0, 64);
  const int64_t graph = p.hooks.mtiagraphCreate(true);
  p.hooks.mtiagraphCaptureBegin(graph, {0, 0});
  p.exec.memset(p.hooks.getCurrentStream(0), block, 1, 64);
  p.hooks.mtiagraphCaptureEnd(graph);
  p.hooks.mtiagraphInstantiate(graph);
  p.hooks.deviceFree(block);
  p.hooks.mtiagraphReplay(graph);
  CHECK(mtia_test::errorOf([&] { p.exec.synchronize(p.hooks.getCurrentStream(0)); }) ==
        "StreamExec::synchronize() failed in MTIA plugin 'mtia-sample': queued graph replay on "
        "stream 0 of device 0 failed: memset destination (64 bytes) is not inside one live device "
        "allocation (INVALID_ARGUMENT)");
  p.hooks.mtiagraphDestroy(graph);
}

TEST_CASE("Bad stream work is refused when submitted", "[exec][errors]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.getCurrentStream(0);
  DeviceBuffer buf(p.hooks, 0, 64), other(p.hooks, 1, 64);
  uint8_t host[64] = {};
  const std::string memset_ = "StreamExec::memset() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': ";
  const std::string memcpy_ = "StreamExec::memcpy() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': ";

  CHECK(mtia_test::errorOf([&] { p.exec.memset(s, buf.get(), 256, 64); }) ==
        memset_ + "memset value 256 is not a byte value (0..255) (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.exec.memset(s, buf.get(), -1, 64); }) ==
        memset_ + "memset value -1 is not a byte value (0..255) (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.exec.memset(s, host, 0, 64); }) ==
        memset_ + "memset destination (64 bytes) is not inside one live device allocation "
                  "(INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.exec.memset(s, buf.get() + 1, 0, 64); }) ==
        memset_ + "memset destination (64 bytes) is not inside one live device allocation "
                  "(INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.exec.memset(s, nullptr, 0, 64); }) ==
        memset_ + "memset destination is NULL (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.exec.memset(s, other.get(), 0, 64); }) ==
        memset_ + "memset destination is memory of device 1, but the stream is on device 0 "
                  "(INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.exec.memset(mtiaStream(77, 0), buf.get(), 0, 64); }) ==
        memset_ + "stream 77 does not exist on device 0 (NOT_FOUND)");
  CHECK(mtia_test::errorOf([&] { p.exec.memset(mtiaStream(0, 5), buf.get(), 0, 64); }) ==
        memset_ + "device index 5 is out of range: " MTIA_TEST_PLUGIN_NOUN " has 2 devices (0..1) "
                  "(INVALID_ARGUMENT)");

  CHECK(mtia_test::errorOf([&] {
          p.exec.memcpy(s, buf.get(), host, 64, static_cast<mtia::MemcpyKind>(9));
        }) == memcpy_ + "memcpy kind 9 is not MTIA_MEMCPY_HOST_TO_DEVICE (1), "
                        "MTIA_MEMCPY_DEVICE_TO_HOST (2) or MTIA_MEMCPY_DEVICE_TO_DEVICE (3) "
                        "(INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] {
          p.exec.memcpy(s, buf.get(), nullptr, 64, mtia::MemcpyKind::HostToDevice);
        }) == memcpy_ + "memcpy source is NULL (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] {
          p.exec.memcpy(s, host, buf.get(), 65, mtia::MemcpyKind::DeviceToHost);
        }) == memcpy_ + "memcpy source (65 bytes) is not inside one live device allocation "
                        "(INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] {
          p.exec.memcpy(s, buf.get(), host, 64, mtia::MemcpyKind::DeviceToDevice);
        }) == memcpy_ + "memcpy source (64 bytes) is not inside one live device allocation "
                        "(INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] {
          p.exec.memcpy(s, other.get(), buf.get(), 64, mtia::MemcpyKind::DeviceToDevice);
        }) == memcpy_ + "memcpy destination is memory of device 1, but the stream is on device "
                        "0 (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] { p.exec.launchHostFunc(s, nullptr, nullptr); }) ==
        "StreamExec::launchHostFunc() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': host function is "
        "NULL (INVALID_ARGUMENT)");
  CHECK(mtia_test::errorOf([&] {
          p.exec.synchronize(mtia::Stream(0, mtia::Device(mtia::DeviceType::CPU, 0)));
        }) == "StreamExec::synchronize() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME "': stream device type "
              "0 is not MTIA (19) (INVALID_ARGUMENT)");
  p.exec.synchronize(s);  // nothing bad was queued
}

TEST_CASE("StreamExec needs a plugin", "[exec][errors]") {
  const mtia::MTIAHooksInterface stub("No MTIA plugin is configured.");
  CHECK(mtia_test::errorOf([&] { mtia::StreamExec exec(stub); }) ==
        "StreamExec needs an MTIA plugin, but these hooks have no MTIA backend: No MTIA plugin is "
        "configured.");
  CHECK(mtia_test::errorOf([&] { mtia::Event event(false, stub); }) ==
        "Event needs an MTIA plugin, but these hooks have no MTIA backend: No MTIA plugin is "
        "configured.");
}

TEST_CASE("Unloading with work still queued neither hangs nor crashes", "[exec][shutdown]") {
  std::atomic<int> ran{0};
  Gate gate;
  {
    SamplePlugin p;
    // Never freed here: device_free waits for the device's queued work (the
    // gate's), so freeing first would drain the queue before the unload.
    // The plugin's shutdown frees it, after dropping the work that uses it.
    void* const buf = p.hooks.deviceAlloc(0, 64);
    const mtia::Stream blocked = p.hooks.createStream(0);
    const mtia::Stream waiting = p.hooks.createStream(1);
    auto never = std::make_unique<mtia::Event>(false, p.hooks);
    // One stream blocks in a host function, with more work behind it; a
    // second waits for an event recorded behind that host function.
    p.exec.launchHostFunc(blocked, &Gate::waitFn, &gate);
    for (int i = 0; i < 100; ++i) {
      p.exec.memset(blocked, buf, i, 64);
      p.exec.launchHostFunc(blocked, [](void* n) noexcept -> mtia_status_t {
        static_cast<std::atomic<int>*>(n)->fetch_add(1);
        return MTIA_STATUS_OK;
      }, &ran);
    }
    never->record(blocked);
    never->block(waiting);
    never.reset();  // queued work still refers to it
    p.exec.launchHostFunc(waiting, [](void* n) noexcept -> mtia_status_t {
      static_cast<std::atomic<int>*>(n)->fetch_add(1000);
      return MTIA_STATUS_OK;
    }, &ran);
    // Release the in-flight host function from another thread while the
    // loader shuts the plugin down: shutdown drops what has not started.
    std::thread opener([&] { gate.open(); });
    p.loader.unload();
    opener.join();
  }
  // Whatever ran before shutdown ran completely; the waiting stream's work
  // never ran unless the blocked stream finished first.
  CHECK((ran.load() <= 100 || ran.load() == 1100));
}
