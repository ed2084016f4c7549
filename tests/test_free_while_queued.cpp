// ABI 1.2: device_free while work queued before it still uses the block is
// safe: the plugin does not reuse the memory before that work has run
// (plugin_abi.h, device_free). A plugin may wait inside device_free (the
// sample plugin, as cudaFree does) or return at once and defer the reuse (the
// OpenCL plugin, whose buffers OpenCL keeps until the commands that use them
// have finished); these tests hold for both and run on both plugins
// (tests/CMakeLists.txt).
#include "exec_support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

using namespace mtia_test;

namespace {

uint64_t allocatedBytes(const mtia::MTIAHooksInterface& hooks, int device) {
  return hooks.memoryStats(static_cast<mtia::DeviceIndex>(device))["dram"]["allocated_bytes"]
      .get<uint64_t>();
}

}  // namespace

TEST_CASE("ABI 1.2: a block freed while queued work uses it keeps its bytes for that work",
          "[memory][exec][abi_1_2]") {
  SamplePlugin p;
  constexpr size_t kBytes = 1 << 16;
  const mtia::Stream s = p.hooks.createStream(0);
  const mtia::Stream other = p.hooks.createStream(0);
  const uint64_t before = allocatedBytes(p.hooks, 0);

  auto* block = static_cast<uint8_t*>(p.hooks.deviceAlloc(0, kBytes));
  p.exec.memset(s, block, 0xAB, kBytes);
  Gate gate;  // holds back everything queued on `s` after it
  p.exec.launchHostFunc(s, &Gate::waitFn, &gate);
  std::vector<uint8_t> out(kBytes, 0);
  p.exec.memcpy(s, out.data(), block, kBytes, mtia::MemcpyKind::DeviceToHost);
  std::vector<uint8_t> tail(kBytes / 2, 0);
  p.exec.memcpy(s, tail.data(), block + kBytes / 2, kBytes / 2, mtia::MemcpyKind::DeviceToHost);

  // The free, on a thread of its own: it may return at once or wait for the
  // held-back copies. Give a free that returns at once the time to do so, so
  // that the allocations below could reuse the block if the plugin let them.
  std::atomic<bool> freed{false};
  std::thread freeing([&] {
    p.hooks.deviceFree(block);
    freed = true;
  });
  for (int i = 0; i < 200 && !freed; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK_FALSE(p.exec.query(s));

  // New allocations of the same size, overwritten on a stream that is not
  // held back, never share the freed block's storage with the queued copies.
  std::vector<void*> fresh;
  for (int i = 0; i < 4; ++i) {
    fresh.push_back(p.hooks.deviceAlloc(0, kBytes));
    p.exec.memset(other, fresh.back(), 0x11, kBytes);
  }
  p.exec.synchronize(other);
  CHECK_FALSE(p.exec.query(s));

  gate.open();
  freeing.join();
  CHECK(allocatedBytes(p.hooks, 0) == before + 4 * kBytes);  // the free has counted
  p.exec.synchronize(s);  // and no error from the freed block
  CHECK(out == bytes(kBytes, 0xAB));
  CHECK(tail == bytes(kBytes / 2, 0xAB));
  for (void* f : fresh) p.hooks.deviceFree(f);
  CHECK(allocatedBytes(p.hooks, 0) == before);
}

TEST_CASE("ABI 1.2: work submitted after the free that names the block is refused",
          "[memory][exec][abi_1_2]") {
  SamplePlugin p;
  const mtia::Stream s = p.hooks.getDefaultStream(0);
  void* block = p.hooks.deviceAlloc(0, 256);
  p.hooks.deviceFree(block);
  uint8_t host[256] = {};
  const std::string message = errorOf([&] {
    p.exec.memcpy(s, host, block, sizeof(host), mtia::MemcpyKind::DeviceToHost);
  });
  CHECK(message == "StreamExec::memcpy() failed in MTIA plugin '" MTIA_TEST_PLUGIN_NAME
                   "': memcpy source (256 bytes) is not inside one live device allocation "
                   "(INVALID_ARGUMENT)");
}
