#include "biased_mutex.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace mtia_sample {

namespace {

std::atomic<uint64_t> g_next_lock_id{1};

int membarrier(int command) noexcept {
  return static_cast<int>(syscall(__NR_membarrier, command, 0, 0));
}

// Registers the process for private expedited barriers, once.
bool registerBarrier() noexcept {
  const int supported = membarrier(MEMBARRIER_CMD_QUERY);
  return supported >= 0 && (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0 &&
         membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

// Makes every running thread of the process execute a full memory barrier.
void heavyBarrier() noexcept {
  if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return;
  // A child of fork() may need to register again; the global command needs
  // no registration, only more time.
  if (errno == EPERM && membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 &&
      membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) {
    return;
  }
  if (membarrier(MEMBARRIER_CMD_GLOBAL) == 0) return;
  // Unreachable once registration succeeded: continuing could let two threads
  // into the allocator at once.
  std::fputs("mtia-sample: membarrier failed after it was registered; aborting\n", stderr);
  std::abort();
}

}  // namespace

BiasedMutex::BiasedMutex(bool biased) noexcept : may_bias_(biased && biasAvailable()) {}

bool BiasedMutex::biasAvailable() noexcept {
  static const bool available = registerBarrier();
  return available;
}

void BiasedMutex::lockSlow() noexcept {
  mutex_.lock();
  uint64_t self = detail::t_lock_id;
  if (self == 0) self = detail::t_lock_id = g_next_lock_id.fetch_add(1, std::memory_order_relaxed);
  const uint64_t owner = owner_.load(std::memory_order_relaxed);
  if (owner != kNoOwner) {
    revoke();  // the owner is another thread: lockBiased() said no for this one
    return;
  }
  streak_ = last_ == self ? streak_ + 1 : 1;
  last_ = self;
  if (streak_ >= threshold_ && may_bias_) {
    // Takes effect at this thread's next lock; other threads revoke it.
    owner_.store(self, std::memory_order_relaxed);
  }
}

void BiasedMutex::revoke() noexcept {
  owner_.store(kNoOwner, std::memory_order_relaxed);
  heavyBarrier();
  // The owner leaves its critical section in a bounded number of steps.
  for (unsigned spins = 0; busy_.load(std::memory_order_acquire); ++spins) {
    if (spins >= 64) std::this_thread::yield();
  }
  threshold_ = std::min(threshold_ * 2, kMaxThreshold);
  last_ = kNoOwner;
  streak_ = 0;
  revocations_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace mtia_sample
