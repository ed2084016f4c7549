// checks_exec.cpp — work on streams ("mtia.exec/1" with "mtia.streams/1"):
// memset and memcpy byte for byte, order within a stream, independence of
// streams, truthful query and synchronize while work is pending (host
// functions as gates), errors of async work, and argument checks at submit.
#include "support.h"

#include <cstring>

namespace mtia_conformance {

namespace {

const Needs kExec{{"stream", "memory"}, {MTIA_EXT_STREAMS_V1, MTIA_EXT_EXEC_V1}, 0, 1};

using Bytes = std::vector<unsigned char>;
using mtia::MemcpyKind;

// Copies `bytes` of device memory at `src` into a host vector.
Bytes readBack(Context& c, const mtia::StreamExec& exec, const Stream& s, const void* src,
               size_t bytes) {
  const HostBuffer host(bytes);
  exec.memcpy(s, host.data(), src, bytes, MemcpyKind::DeviceToHost);
  synchronize(c, exec, s);
  return host.bytes();
}

void expectBytes(const Bytes& got, const Bytes& expected, const std::string& what) {
  const std::string diff = firstDifference(got, expected);
  expect(diff.empty(), what + ": " + diff);
}

std::string memsetBytes(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  constexpr size_t kSize = 4096;
  DeviceBuffer buf(c.hooks, 0, kSize);
  exec.memset(s, buf.get(), 0x00, kSize);
  exec.memset(s, buf.get() + 100, 0xAB, 1000);
  exec.memset(s, buf.get() + 1100, 0x7F, 1);
  exec.memset(s, buf.get() + kSize - 3, 0x01, 3);
  Bytes expected(kSize, 0x00);
  std::memset(expected.data() + 100, 0xAB, 1000);
  expected[1100] = 0x7F;
  std::memset(expected.data() + kSize - 3, 0x01, 3);
  expectBytes(readBack(c, exec, s, buf.get(), kSize), expected,
              "after memset of [100, 1100) to 0xab, [1100] to 0x7f and the last 3 bytes to 0x01");
  return "whole buffer, interior ranges, one byte and the tail, read back byte for byte";
}

std::string memcpyBytes(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  constexpr size_t kSize = 4096;
  DeviceBuffer a(c.hooks, 0, kSize), b(c.hooks, 0, kSize);
  const HostBuffer pattern(kSize);
  for (size_t i = 0; i < kSize; ++i) pattern.data()[i] = static_cast<unsigned char>(i * 7 + 3);
  exec.memset(s, a.get(), 0x00, kSize);
  exec.memset(s, b.get(), 0x00, kSize);
  exec.memcpy(s, a.get() + 64, pattern.data(), 3000, MemcpyKind::HostToDevice);
  exec.memcpy(s, b.get() + 5, a.get() + 74, 2000, MemcpyKind::DeviceToDevice);
  Bytes expect_a(kSize, 0), expect_b(kSize, 0);
  std::memcpy(expect_a.data() + 64, pattern.data(), 3000);
  std::memcpy(expect_b.data() + 5, expect_a.data() + 74, 2000);
  expectBytes(readBack(c, exec, s, a.get(), kSize), expect_a,
              "host-to-device copy of 3000 bytes to offset 64, read back");
  expectBytes(readBack(c, exec, s, b.get(), kSize), expect_b,
              "device-to-device copy of 2000 bytes from offset 74 to offset 5, read back");
  const HostBuffer part(100);
  exec.memcpy(s, part.data(), a.get() + 1000, 100, MemcpyKind::DeviceToHost);
  synchronize(c, exec, s);
  expectBytes(part.bytes(), Bytes(expect_a.begin() + 1000, expect_a.begin() + 1100),
              "device-to-host copy of 100 bytes from offset 1000");
  return "host-to-device, device-to-device and device-to-host at interior offsets";
}

std::string order(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  DeviceBuffer buf(c.hooks, 0, 256);
  const HostBuffer first(256), second(256);
  Probe gate(/*closed=*/true);
  gate.enqueue(exec, s);
  exec.memset(s, buf.get(), 1, 256);
  exec.memcpy(s, first.data(), buf.get(), 256, MemcpyKind::DeviceToHost);
  exec.memset(s, buf.get(), 2, 256);
  exec.memcpy(s, second.data(), buf.get(), 256, MemcpyKind::DeviceToHost);
  Probe last;
  last.enqueue(exec, s);
  gate.open();
  synchronize(c, exec, s);
  expectBytes(first.bytes(), Bytes(256, 1), "memset 1, copy out, memset 2, copy out: the first copy");
  expectBytes(second.bytes(), Bytes(256, 2), "memset 1, copy out, memset 2, copy out: the second copy");
  expect(last.runs() == 1, "the last host function ran " + str(last.runs()) + " times");
  return "queued behind a gate, five items ran in submission order";
}

std::string independence(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream a = c.hooks.createStream(0), b = c.hooks.createStream(0);
  Probe gate(/*closed=*/true), on_b;
  gate.enqueue(exec, a);
  on_b.enqueue(exec, b);
  c.step("work on " + str(b) + " while " + str(a) + " is blocked");
  const bool ran = waitUntil([&] { return on_b.runs() == 1; });
  const bool idle = ran && waitUntil([&] { return exec.query(b); });
  gate.open();
  synchronize(c, exec, a);
  expect(ran, "work on " + str(b) + " did not run within 2 s while " + str(a) +
                  " was blocked by a host function");
  expect(idle, "query(" + str(b) + ") stayed false after its work ran");
  return "a blocked stream does not hold back another";
}

std::string query(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  expect(exec.query(s), "query() of a new stream with no work is false");
  Probe gate(/*closed=*/true);
  gate.enqueue(exec, s);
  for (int i = 0; i < 5; ++i) {
    expect(!exec.query(s), "query(" + str(s) + ") is true while a host function on it waits");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  gate.open();
  synchronize(c, exec, s);
  expect(gate.runs() == 1, "the gate ran " + str(gate.runs()) + " times");
  expect(exec.query(s), "query(" + str(s) + ") is false after synchronize()");
  return "false while work is pending, true after synchronize";
}

std::string synchronizeWaits(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  Probe gate(/*closed=*/true), after;
  gate.enqueue(exec, s);
  after.enqueue(exec, s);
  const DelayedOpen opener(gate, 100);
  synchronize(c, exec, s);
  expect(after.runs() == 1, "synchronize(" + str(s) + ") returned before the work queued on "
                            "it had run (a host function opened 100 ms later)");
  return "synchronize returned after the gated work ran";
}

std::string deviceSynchronizeWaits(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream a = c.hooks.createStream(0), b = c.hooks.createStream(0);
  Probe gate_a(/*closed=*/true), gate_b(/*closed=*/true), after_a, after_b;
  gate_a.enqueue(exec, a);
  after_a.enqueue(exec, a);
  gate_b.enqueue(exec, b);
  after_b.enqueue(exec, b);
  const DelayedOpen open_a(gate_a, 50), open_b(gate_b, 100);
  c.step("deviceSynchronize(0) to return");
  c.hooks.deviceSynchronize(0);
  expect(after_a.runs() == 1 && after_b.runs() == 1,
         "deviceSynchronize(0) returned before the work on two of its streams had run");
  return "deviceSynchronize waited for two gated streams";
}

std::string asyncError(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  const Probe failing(/*closed=*/false, MTIA_STATUS_INTERNAL);
  failing.enqueue(exec, s);
  c.step("synchronize(" + str(s) + ") to return");
  std::string code = "no error";
  try {
    exec.synchronize(s);
  } catch (const mtia::PluginError& e) {
    code = mtia::statusName(e.code());
  }
  expect(code == "INTERNAL", "a host function returning INTERNAL, then synchronize(" + str(s) +
                                 "): " + code + ", expected INTERNAL");
  synchronize(c, exec, s);  // reported once
  return "the failure is reported by the next synchronize, once";
}

std::string badArguments(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  const Stream s = c.hooks.createStream(0);
  DeviceBuffer buf(c.hooks, 0, 4096);
  std::string code = failureCode([&] { exec.memset(s, buf.get() + 4090, 0, 16); });
  expect(code == "INVALID_ARGUMENT", "memset of 16 bytes at offset 4090 of a 4096-byte "
                                     "allocation gave " + code + ", expected INVALID_ARGUMENT");
  const HostBuffer host(64);
  code = failureCode([&] {
    exec.memcpy(s, host.data(), buf.get() + 4095, 2, MemcpyKind::DeviceToHost);
  });
  expect(code == "INVALID_ARGUMENT", "memcpy of 2 bytes from offset 4095 of a 4096-byte "
                                     "allocation gave " + code + ", expected INVALID_ARGUMENT");
  code = failureCode([&] { exec.memset(s, host.data(), 0, 16); });
  expect(code == "INVALID_ARGUMENT",
         "memset of host memory gave " + code + ", expected INVALID_ARGUMENT");
  synchronize(c, exec, s);
  return "out-of-range and non-device pointers are refused at submission";
}

}  // namespace

std::vector<Check> execChecks() {
  return {
      {"exec.memset", "memset_async results, byte for byte, at interior offsets", kExec, true,
       memsetBytes},
      {"exec.memcpy", "memcpy_async in every direction at interior offsets, byte for byte",
       kExec, true, memcpyBytes},
      {"exec.order", "work on one stream runs in submission order", kExec, false, order},
      {"exec.independence", "a stream blocked by a host function does not block another",
       kExec, false, independence},
      {"exec.query", "stream_query is false while work is pending, true once it is done",
       kExec, false, query},
      {"exec.synchronize", "stream_synchronize returns only after the queued work has run",
       kExec, false, synchronizeWaits},
      {"exec.device_synchronize", "deviceSynchronize waits for every stream of the device",
       kExec, false, deviceSynchronizeWaits},
      {"exec.async_error", "a failure of async work is reported by the next synchronize, once",
       kExec, false, asyncError},
      {"exec.bad_arguments", "bad pointers and sizes are refused when the work is submitted",
       kExec, false, badArguments},
  };
}

}  // namespace mtia_conformance
