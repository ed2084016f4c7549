// checks_threads.cpp — concurrent callers: several threads create streams at
// once and run verified work on them, each keeping its own current device.
#include "support.h"

#include <set>

namespace mtia_conformance {

namespace {

const Needs kThreads{{"stream", "memory"}, {MTIA_EXT_STREAMS_V1, MTIA_EXT_EXEC_V1}, 0, 1};

constexpr int kThreadCount = 4, kStreamsEach = 8, kRounds = 20;

// Releases all threads at once.
class Barrier {
 public:
  explicit Barrier(int n) : left_(n) {}
  void arrive() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (--left_ == 0) cv_.notify_all();
    cv_.wait(lock, [&] { return left_ <= 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int left_;
};

std::string concurrent(Context& c) {
  const mtia::StreamExec exec(c.hooks);
  Barrier barrier(kThreadCount);
  std::mutex mutex;
  std::vector<Stream> created;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  c.step("four threads creating streams and running work");
  for (int t = 0; t < kThreadCount; ++t) {
    threads.emplace_back([&, t] {
      try {
        const int device = t % c.devices;
        c.hooks.setCurrentDevice(dev(device));
        std::vector<Stream> mine;
        barrier.arrive();
        for (int i = 0; i < kStreamsEach; ++i) mine.push_back(c.hooks.createStream(dev(device)));
        DeviceBuffer buf(c.hooks, device, 1024);
        const HostBuffer host(1024);
        for (int r = 0; r < kRounds; ++r) {
          const Stream& s = mine[static_cast<size_t>(r) % mine.size()];
          const auto value = static_cast<unsigned char>(t * 40 + r);
          exec.memset(s, buf.get(), value, 1024);
          exec.memcpy(s, host.data(), buf.get(), 1024, mtia::MemcpyKind::DeviceToHost);
          exec.synchronize(s);
          const std::string diff = firstDifference(host.bytes(), std::vector<unsigned char>(1024, value));
          expect(diff.empty(), "thread " + str(t) + ", round " + str(r) + ": " + diff);
          expect(c.hooks.getCurrentDevice() == device,
                 "thread " + str(t) + "'s current device changed to " +
                     str(c.hooks.getCurrentDevice()));
        }
        std::lock_guard<std::mutex> lock(mutex);
        created.insert(created.end(), mine.begin(), mine.end());
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mutex);
        errors.push_back(e.what());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  expect(errors.empty(), errors.empty() ? "" : errors.front());
  std::set<std::pair<int, int64_t>> ids;
  for (const Stream& s : created) {
    expect(ids.insert({s.device_index(), s.id()}).second,
           "threads creating streams at once got " + str(s) + " twice");
  }
  return str(kThreadCount) + " threads: " + str(static_cast<int64_t>(created.size())) +
         " distinct streams, " + str(kThreadCount * kRounds) + " verified rounds";
}

}  // namespace

std::vector<Check> threadChecks() {
  return {
      {"threads.concurrent",
       "threads creating streams and running work at once get distinct streams and exact "
       "results",
       kThreads, false, concurrent},
  };
}

}  // namespace mtia_conformance
