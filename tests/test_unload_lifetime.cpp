// Objects handed out by the host after PluginLoader::unload() (issue 12,
// items 2 and 11). The fixture keeps no thread-local storage, so dlclose
// really unmaps it: each test proves that with /proc/self/maps, otherwise a
// call into the unloaded plugin could pass by luck.
#include "test_support.h"

#include <mtia/exec.h>
#include <mtia/graph.h>
#include <mtia/guards.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// The sanitizer runtimes' allocator statistics (sanitizer/allocator_interface.h,
// which GCC does not install).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#else
#include <malloc.h>
#endif

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

using mtia_test::errorOf;
using mtia_test::fixturePath;
using mtia_test::realPath;

namespace {

// True when a file is mapped into this process.
bool isMapped(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str().find(realPath(path)) != std::string::npos;
}

std::string unloaded(const std::string& hook) {
  return hook + "() failed in MTIA plugin 'fixture': the plugin was unloaded "
                "(PluginLoader::unload()); load it again to use it (UNAVAILABLE)";
}

mtia::Stream stream0() { return mtia::Stream(0, mtia::Device(mtia::DeviceType::MTIA, 0)); }

// Bytes the process has allocated from the heap now.
size_t heapInUse() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return __sanitizer_get_current_allocated_bytes();
#else
  return mallinfo2().uordblks;
#endif
}

}  // namespace

TEST_CASE("After unload every object handed out fails with UNAVAILABLE and its destructor is a "
          "no-op, and the plugin is really unmapped",
          "[unload][lifetime]") {
  const std::string path = fixturePath("fixture_objects");
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(path);
  REQUIRE(isMapped(path));
  const mtia::Stream s = stream0();
  std::vector<uint8_t> buffer(64, 0);
  auto exec = std::make_unique<mtia::StreamExec>(hooks);
  exec->memset(s, buffer.data(), 7, buffer.size());
  CHECK(buffer[63] == 7);
  auto event = std::make_unique<mtia::Event>(true, hooks);
  auto end = std::make_unique<mtia::Event>(true, hooks);
  event->record(s);
  end->record(s);
  CHECK(event->elapsedTime(*end) == 1.0);
  auto graph = std::make_unique<mtia::MTIAGraph>(false, hooks);
  auto capturing = std::make_unique<mtia::MTIAGraph>(false, hooks);
  capturing->capture_begin();  // its destructor would end the capture
  mtia::Allocator* allocator = hooks.getPinnedMemoryAllocator();
  auto pinned = std::make_unique<mtia::DataPtr>(allocator->allocate(32));
  REQUIRE(pinned->get() != nullptr);
  auto device_guard = std::make_unique<mtia::DeviceGuard>(0, hooks);
  auto stream_guard = std::make_unique<mtia::StreamGuard>(hooks.createStream(0), hooks);

  loader.unload();
  CHECK_FALSE(isMapped(path));

  CHECK(errorOf([&] { exec->memset(s, buffer.data(), 1, 8); }) == unloaded("StreamExec::memset"));
  CHECK(errorOf([&] { exec->memcpy(s, buffer.data(), buffer.data(), 8, mtia::MemcpyKind::HostToDevice); }) ==
        unloaded("StreamExec::memcpy"));
  CHECK(errorOf([&] { exec->query(s); }) == unloaded("StreamExec::query"));
  CHECK(errorOf([&] { exec->synchronize(s); }) == unloaded("StreamExec::synchronize"));
  CHECK(errorOf([&] { exec->launchHostFunc(s, nullptr, nullptr); }) ==
        unloaded("StreamExec::launchHostFunc"));
  CHECK(errorOf([&] { event->record(s); }) == unloaded("Event::record"));
  CHECK(errorOf([&] { event->block(s); }) == unloaded("Event::block"));
  CHECK(errorOf([&] { event->query(); }) == unloaded("Event::query"));
  CHECK(errorOf([&] { event->synchronize(); }) == unloaded("Event::synchronize"));
  CHECK(errorOf([&] { event->elapsedTime(*end); }) == unloaded("Event::elapsedTime"));
  CHECK(errorOf([&] { mtia::Event fresh(false, hooks); }) == unloaded("Event"));
  CHECK(errorOf([&] { mtia::StreamExec fresh(hooks); }) == unloaded("StreamExec"));
  CHECK(errorOf([&] { graph->replay(); }) == unloaded("mtiagraphReplay"));
  CHECK(errorOf([&] { graph->capture_begin(); }) == unloaded("mtiagraphCaptureBegin"));
  CHECK(errorOf([&] { graph->pool(); }) == unloaded("mtiagraphPool"));
  CHECK(errorOf([&] { mtia::MTIAGraph fresh(false, hooks); }) == unloaded("mtiagraphCreate"));
  CHECK(errorOf([&] { allocator->allocate(8); }) ==
        unloaded("getPinnedMemoryAllocator()->allocate"));
  CHECK(errorOf([&] { hooks.getPinnedMemoryAllocator()->allocate(8); }) ==
        unloaded("getPinnedMemoryAllocator()->allocate"));
  CHECK(errorOf([&] { device_guard->set_index(0); }) == unloaded("setCurrentDevice"));
  CHECK(errorOf([&] { stream_guard->reset_stream(s); }) == unloaded("setCurrentStream"));
  CHECK(errorOf([&] { mtia::DeviceGuard fresh(0, hooks); }) == unloaded("exchangeDevice"));

  // Destructors: nothing to release, nothing called (the code is unmapped).
  exec.reset();
  event.reset();
  end.reset();
  graph.reset();
  capturing.reset();
  pinned.reset();
  device_guard.reset();
  stream_guard.reset();
  CHECK_FALSE(isMapped(path));
}

TEST_CASE("Objects of an unloaded load never reach the plugin loaded next", "[unload][lifetime]") {
  const std::string path = fixturePath("fixture_objects");
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& first = loader.load(path);
  auto event = std::make_unique<mtia::Event>(false, first);
  auto graph = std::make_unique<mtia::MTIAGraph>(false, first);
  mtia::StreamExec exec(first);
  auto pinned = std::make_unique<mtia::DataPtr>(first.getPinnedMemoryAllocator()->allocate(16));
  loader.unload();
  const mtia::MTIAHooksInterface& second = loader.load(path);
  CHECK(&second == &first);  // one hooks object for the loader's life
  // The new load's handles start at 1 again: the old ones must not reach it.
  CHECK(errorOf([&] { event->query(); }) == unloaded("Event::query"));
  CHECK(errorOf([&] { graph->replay(); }) == unloaded("mtiagraphReplay"));
  CHECK(errorOf([&] { exec.synchronize(stream0()); }) == unloaded("StreamExec::synchronize"));
  pinned.reset();  // not passed to the new load (whose pinned_free would reject it)
  event.reset();
  graph.reset();
  // The hooks and new objects work with the new load.
  mtia::Event fresh(false, second);
  fresh.record(stream0());
  CHECK(fresh.query());
  CHECK(second.getCurrentDevice() == 0);
}

TEST_CASE("Objects may outlive their loader: their destructors stay no-ops", "[unload][lifetime]") {
  const std::string path = fixturePath("fixture_objects");
  std::unique_ptr<mtia::Event> event;
  std::unique_ptr<mtia::StreamExec> exec;
  std::unique_ptr<mtia::DataPtr> pinned;
  std::unique_ptr<mtia::MTIAGraph> graph;
  {
    mtia::PluginLoader loader;
    const mtia::MTIAHooksInterface& hooks = loader.load(path);
    event = std::make_unique<mtia::Event>(false, hooks);
    exec = std::make_unique<mtia::StreamExec>(hooks);
    pinned = std::make_unique<mtia::DataPtr>(hooks.getPinnedMemoryAllocator()->allocate(16));
    graph = std::make_unique<mtia::MTIAGraph>(false, hooks);
  }
  CHECK_FALSE(isMapped(path));
  CHECK(errorOf([&] { event->query(); }) == unloaded("Event::query"));
  CHECK(errorOf([&] { exec->query(stream0()); }) == unloaded("StreamExec::query"));
  event.reset();
  exec.reset();
  pinned.reset();
  graph.reset();
}

TEST_CASE("One loader's memory stays bounded over 10,000 load/unload cycles", "[unload][memory]") {
  const std::string path = fixturePath("fixture_objects");
  mtia::PluginLoader loader;
  const auto cycle = [&] {
    const mtia::MTIAHooksInterface& hooks = loader.load(path);
    hooks.attachOutOfMemoryObserver([](int32_t, uint64_t, uint64_t, uint64_t) {});
    loader.unload();
  };
  for (int i = 0; i < 200; ++i) cycle();  // warm up: caches, the first adapter
  const size_t before = heapInUse();
  for (int i = 0; i < 10000; ++i) cycle();
  const size_t after = heapInUse();
  INFO("heap in use: " << before << " bytes before, " << after << " bytes after 10,000 cycles");
  // Before the fix every cycle kept an adapter and its observers (~1 KB).
  CHECK(after < before + 64 * 1024);
}
