// The sample plugin's BiasedMutex (sample_plugin/biased_mutex.h), compiled
// into the test: the bias is earned by a streak of locks, revoked by another
// thread, earned back only after a longer streak, and mutual exclusion holds
// whichever thread has it.
#include "biased_mutex.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

using mtia_sample::BiasedMutex;

namespace {

// Takes the mutex `times` times, each time adding one to `counter` in a way
// that loses updates unless the holders are mutually exclusive.
void lockTimes(BiasedMutex& m, int times, volatile uint64_t& counter) {
  for (int i = 0; i < times; ++i) {
    BiasedMutex::Guard lock(m);
    const uint64_t seen = counter;
    counter = seen + 1;
  }
}

const bool kBias = BiasedMutex::biasAvailable();

}  // namespace

TEST_CASE("A streak of 16 locks earns the bias; another thread's lock revokes it",
          "[biased_mutex]") {
  if (!kBias) WARN("membarrier(2) is unavailable here: the bias is never granted");
  BiasedMutex m;
  volatile uint64_t counter = 0;
  lockTimes(m, 15, counter);
  CHECK_FALSE(m.biasedToCaller());
  lockTimes(m, 1, counter);
  CHECK(m.biasedToCaller() == kBias);
  lockTimes(m, 100, counter);  // through the biased entry
  CHECK(m.biasedToCaller() == kBias);

  std::thread([&] {
    lockTimes(m, 1, counter);
    CHECK_FALSE(m.biasedToCaller());
  }).join();
  CHECK_FALSE(m.biasedToCaller());
  CHECK(m.revocations() == (kBias ? 1 : 0));

  // The threshold doubled: 31 locks in a row are not enough, the 32nd is.
  lockTimes(m, 31, counter);
  CHECK_FALSE(m.biasedToCaller());
  lockTimes(m, 1, counter);
  CHECK(m.biasedToCaller() == kBias);
  CHECK(counter == 15 + 1 + 100 + 1 + 31 + 1);
}

TEST_CASE("A mutex constructed unbiased never grants the bias", "[biased_mutex]") {
  BiasedMutex m(false);
  volatile uint64_t counter = 0;
  lockTimes(m, 1000, counter);
  CHECK_FALSE(m.biasedToCaller());
  CHECK(counter == 1000);
  CHECK(m.revocations() == 0);
}

TEST_CASE("A revoking thread waits until the biased owner leaves", "[biased_mutex][threads]") {
  BiasedMutex m;
  volatile uint64_t counter = 0;
  lockTimes(m, 16, counter);  // the bias, where available
  std::atomic<bool> inside{false};
  uint64_t seen_by_other = 0;
  std::thread other([&] {
    while (!inside.load()) std::this_thread::yield();
    BiasedMutex::Guard lock(m);
    seen_by_other = counter;
  });
  {
    BiasedMutex::Guard lock(m);
    inside.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    counter = counter + 1;
  }
  other.join();
  CHECK(seen_by_other == 17);
  CHECK(m.revocations() == (kBias ? 1 : 0));
}

TEST_CASE("The bias of a thread that exited is revoked", "[biased_mutex][threads]") {
  BiasedMutex m;
  volatile uint64_t counter = 0;
  std::thread([&] {
    lockTimes(m, 16, counter);
    CHECK(m.biasedToCaller() == kBias);
  }).join();
  lockTimes(m, 1, counter);
  CHECK(counter == 17);
  CHECK(m.revocations() == (kBias ? 1 : 0));
}

TEST_CASE("Mutual exclusion holds while the bias moves between threads",
          "[biased_mutex][threads]") {
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  constexpr int kBurst = 200;  // long enough to earn the bias again and again
  BiasedMutex m;
  volatile uint64_t counter = 0;
  lockTimes(m, 16, counter);  // the main thread holds the bias when the others start
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round) {
        lockTimes(m, kBurst, counter);
        std::this_thread::yield();
      }
    });
  }
  lockTimes(m, kBurst, counter);
  for (auto& thread : threads) thread.join();
  CHECK(counter == 16 + kBurst + uint64_t{kThreads} * kRounds * kBurst);
  if (kBias) CHECK(m.revocations() >= 1);
}
