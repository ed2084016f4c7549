// fork() (issue 12 item 1). PyTorch's rule for CUDA and MTIA: a child of a
// process that initialised the device cannot use it. The child has only the
// forking thread, so before the fix it hung in deviceSynchronize, in stream
// synchronization and in PluginLoader::unload() (which joined the plugin's
// worker threads). Each test forks; the child reports through a pipe and the
// parent kills it if it does not finish within 20 s (a hang fails the test).
// A check in the child that finds no error fails through errorOf's FAIL,
// which the child reports as an unexpected exception.
// CTest sets MTIA_PLUGIN_PATH to the counting fixture whose initialize()
// takes 1 s, for the tests of the global loader.
#include "exec_support.h"

#include "fixture_counters.h"

#include <mtia/exec.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

using mtia_test::errorOf;
using mtia_test::fixturePath;
using mtia_test::realPath;
using mtia_test::samplePluginPath;

namespace {

struct Child {
  pid_t pid = -1;
  bool hung = false;
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
};

// Runs fn() in a forked child; fn returns the text the parent checks.
template <class Fn>
Child inChild(Fn fn) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  Child child;
  child.pid = fork();
  REQUIRE(child.pid >= 0);
  if (child.pid == 0) {
    close(fds[0]);
    std::string text;
    int code = 0;
    try {
      text = fn();
    } catch (const std::exception& e) {
      text = std::string("unexpected exception: ") + e.what();
      code = 1;
    } catch (...) {
      text = "unexpected non-standard exception";
      code = 1;
    }
    for (size_t done = 0; done < text.size();) {
      const ssize_t n = write(fds[1], text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    _exit(code);  // no atexit handlers, no static destructors
  }
  close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  char buf[4096];
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    const int ready = poll(&p, 1, 100);
    if (ready > 0) {
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;  // EOF: the child exited
      child.out.append(buf, static_cast<size_t>(n));
    } else if (std::chrono::steady_clock::now() > deadline) {
      child.hung = true;
      kill(child.pid, SIGKILL);
      break;
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(child.pid, &status, 0);
  child.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return child;
}

std::string forkMessage(pid_t parent, pid_t child) {
  return "Cannot re-initialize MTIA in forked subprocess. To use MTIA with multiprocessing, you "
         "must use the 'spawn' start method (the MTIA plugin was loaded in parent process " +
         std::to_string(parent) + "; this is its forked child " + std::to_string(child) + ")";
}

}  // namespace

TEST_CASE("In a forked child every hook that would call the plugin fails at once with PyTorch's "
          "message",
          "[fork]") {
  mtia_test::SamplePlugin p;
  const mtia::Stream s = p.hooks.createStream(0);
  mtia_test::DeviceBuffer buf(p.hooks, 0, 64);
  p.exec.memset(s, buf.get(), 1, 64);  // the plugin's worker threads are running
  p.exec.synchronize(s);
  mtia::Event event(false, p.hooks);
  event.record(s);
  mtia::Allocator* pinned = p.hooks.getPinnedMemoryAllocator();
  const Child child = inChild([&] {
    std::string lines;
    const auto line = [&](std::string text) { lines += text + "\n"; };
    line(errorOf([&] { p.hooks.deviceSynchronize(0); }));
    line(errorOf([&] { p.hooks.getCurrentDevice(); }));
    line(errorOf([&] { p.hooks.getCurrentStream(0); }));
    line(errorOf([&] { p.exec.synchronize(s); }));
    line(errorOf([&] { event.synchronize(); }));
    line(errorOf([&] { pinned->allocate(16); }));
    line(errorOf([&] { mtia::Event fresh(false, p.hooks); }));
    p.loader.unload();  // must neither join the parent's threads nor call shutdown()
    return lines;
  });
  REQUIRE_FALSE(child.hung);
  CHECK(child.exit_code == 0);
  const std::string why = forkMessage(getpid(), child.pid);
  const auto failed = [&](const std::string& hook) {
    return hook + "() failed in MTIA plugin 'mtia-sample': " + why + " (UNAVAILABLE)\n";
  };
  CHECK(child.out == failed("deviceSynchronize") + failed("getCurrentDevice") +
                         failed("getCurrentStream") + failed("StreamExec::synchronize") +
                         failed("Event::synchronize") +
                         failed("getPinnedMemoryAllocator()->allocate") + failed("Event"));
  // The parent is unaffected.
  event.synchronize();
  p.exec.synchronize(s);
  CHECK(p.hooks.getCurrentDevice() == 0);
}

TEST_CASE("Unloading or destroying a loader in a forked child neither joins nor calls shutdown()",
          "[fork][unload]") {
  auto sample = std::make_unique<mtia::PluginLoader>();
  const mtia::MTIAHooksInterface& hooks = sample->load(samplePluginPath());
  mtia::StreamExec exec(hooks);
  exec.synchronize(hooks.createStream(0));  // worker threads exist
  auto counting = std::make_unique<mtia::PluginLoader>();
  counting->load(fixturePath("fixture_counting"));
  REQUIRE(fixture_counted("initialize") == 1);
  const Child child = inChild([&] {
    sample.reset();    // the sample's shutdown would join its worker threads
    counting->unload();
    counting.reset();
    return "shutdown " + std::to_string(fixture_counted("shutdown")) + ", unload " +
           std::to_string(fixture_counted("unload"));
  });
  REQUIRE_FALSE(child.hung);
  CHECK(child.exit_code == 0);
  CHECK(child.out == "shutdown 0, unload 0");  // no shutdown(), no dlclose
  counting.reset();
  CHECK(fixture_counted("shutdown") == 1);  // the parent's unload still shuts down
}

TEST_CASE("A forked child cannot initialise again a plugin its parent holds", "[fork][loader]") {
  mtia::PluginLoader loader;
  loader.load(fixturePath("fixture_good"));
  const Child child = inChild([&] {
    mtia::PluginLoader other;
    std::string first = errorOf([&] { other.load(fixturePath("fixture_good")); });
    loader.unload();
    std::string again = errorOf([&] { loader.load(fixturePath("fixture_good")); });
    return first + "\n" + again;
  });
  REQUIRE_FALSE(child.hung);
  const std::string cause = "cannot load MTIA plugin '" + fixturePath("fixture_good") +
                            "': open failed: '" + realPath(fixturePath("fixture_good")) +
                            "' was loaded in parent process " + std::to_string(getpid()) +
                            " before it forked this one (pid " + std::to_string(child.pid) +
                            "): Cannot re-initialize MTIA in forked subprocess. To use MTIA with "
                            "multiprocessing, you must use the 'spawn' start method";
  CHECK(child.out == cause + "\n" + cause);
}

TEST_CASE("A child forked before any load loads and uses a plugin normally", "[fork]") {
  const Child child = inChild([] {
    mtia_test::SamplePlugin p;
    const mtia::Stream s = p.hooks.createStream(1);
    mtia_test::DeviceBuffer buf(p.hooks, 1, 32);
    p.exec.memset(s, buf.get(), 0x5A, 32);
    const std::vector<uint8_t> bytes = buf.read(p.exec, s);
    buf.free();
    const int devices = p.hooks.deviceCount();
    p.loader.unload();  // shutdown joins the child's own worker threads
    return std::to_string(devices) + " devices, byte " + std::to_string(bytes[31]);
  });
  REQUIRE_FALSE(child.hung);
  CHECK(child.exit_code == 0);
  CHECK(child.out == "2 devices, byte 90");
}

TEST_CASE("The global hooks loaded in the parent fail in a forked child with the fork message",
          "[fork][global]") {
  REQUIRE(mtia::getMTIAHooks().deviceCount() == 1);
  const Child child = inChild([] {
    return errorOf([] { mtia::getMTIAHooks().getCurrentDevice(); }) + "\n" +
           errorOf([] { mtia::getMTIAHooks().deviceCount(); });
  });
  REQUIRE_FALSE(child.hung);
  const std::string why = forkMessage(getpid(), child.pid);
  CHECK(child.out == "getCurrentDevice() failed in MTIA plugin 'fixture': " + why +
                         " (UNAVAILABLE)\ndeviceCount() failed in MTIA plugin 'fixture': " + why +
                         " (UNAVAILABLE)");
}

TEST_CASE("A fork while another thread loads the global plugin gives the child the stub, saying so",
          "[fork][global]") {
  std::thread loader([] { mtia::getMTIAHooks(); });
  // initialize() counts itself, then takes 1 s: fork inside that window.
  while (fixture_counted("initialize") == 0) std::this_thread::yield();
  const Child child = inChild([] {
    const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
    return std::string(mtia::isMTIAHooksBuilt() ? "built" : "not built") + "\n" +
           hooks.unavailableReason() + "\n" + errorOf([&] { hooks.deviceSynchronize(0); });
  });
  loader.join();
  REQUIRE_FALSE(child.hung);
  const std::string reason =
      "The MTIA plugin failed to load: the process forked (parent pid " + std::to_string(getpid()) +
      ") while another thread was loading the MTIA plugin, so this child never got it: Cannot "
      "re-initialize MTIA in forked subprocess. To use MTIA with multiprocessing, you must use "
      "the 'spawn' start method";
  CHECK(child.out == "not built\n" + reason + "\nCannot execute deviceSynchronize() without MTIA "
                     "backend. " + reason);
  CHECK(mtia::isMTIAHooksBuilt());  // the parent's load finished
}
