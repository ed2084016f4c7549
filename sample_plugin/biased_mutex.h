// biased_mutex.h — a mutex that the thread using it most can take and release
// with plain loads and stores.
//
// A device's allocator is usually driven by one thread at a time. BiasedMutex
// lets that thread (the "owner") enter and leave the critical section without
// any atomic read-modify-write; every other thread takes an ordinary mutex.
// When a non-owner needs the lock, it first revokes the bias: it clears the
// owner, forces a memory barrier on every running thread of the process
// (membarrier(2), MEMBARRIER_CMD_PRIVATE_EXPEDITED) and waits until the owner
// is out of its critical section. This is the asymmetric Dekker protocol
// (owner: store busy, compiler barrier, load owner; revoker: store owner,
// membarrier, load busy): either the owner sees that it lost the bias, or the
// revoker sees it busy and waits. Revoking costs a system call, so the bias
// is granted only to a thread that took the mutex `threshold` times in a row,
// and the threshold doubles with each revocation (16 up to 65536): threads
// that take turns settle on the plain mutex.
//
// Without a usable membarrier (old kernels, seccomp) the bias is never
// granted and BiasedMutex is a std::mutex with a few extra loads.
// Not recursive. Lock it with a Guard; lockBiased()/unlockBiased() let the
// owner's fast path stay free of calls.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace mtia_sample {

namespace detail {
// The calling thread's lock identity: 0 until its first slow-path lock, then
// unique for the process's lifetime (never reused after the thread exits).
inline thread_local uint64_t t_lock_id __attribute__((tls_model("initial-exec"))) = 0;
}  // namespace detail

class BiasedMutex {
 public:
  // biased = false: never grant the bias (a std::mutex with a few extra loads).
  explicit BiasedMutex(bool biased = true) noexcept;
  BiasedMutex(const BiasedMutex&) = delete;
  BiasedMutex& operator=(const BiasedMutex&) = delete;

  // Holds the mutex for its lifetime.
  class Guard {
   public:
    explicit Guard(BiasedMutex& m) noexcept : m_(m), biased_(m.lockBiased()) {
      if (!biased_) m.lockSlow();
    }
    ~Guard() {
      if (biased_) {
        m_.unlockBiased();
      } else {
        m_.mutex_.unlock();
      }
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    BiasedMutex& m_;
    const bool biased_;
  };

  // The owner's entry and exit, for code that keeps its fast path free of
  // calls: lockBiased() is true when the calling thread now holds the mutex
  // through the bias (then release it with unlockBiased()); false means it
  // must use a Guard.
  bool lockBiased() noexcept {
    const uint64_t self = detail::t_lock_id;
    if (owner_.load(std::memory_order_relaxed) != self) return false;
    busy_.store(true, std::memory_order_relaxed);
    // The light half of the barrier pair; the revoker's membarrier is the heavy half.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (__builtin_expect(owner_.load(std::memory_order_relaxed) == self, 1)) return true;
    busy_.store(false, std::memory_order_release);  // revoked meanwhile
    return false;
  }
  void unlockBiased() noexcept { busy_.store(false, std::memory_order_release); }

  // Whether biasing works in this process (membarrier registered).
  static bool biasAvailable() noexcept;
  // Diagnostics (tests): whether the calling thread holds the bias, and how
  // often the bias was revoked.
  bool biasedToCaller() const noexcept {
    return owner_.load(std::memory_order_relaxed) == detail::t_lock_id;
  }
  uint64_t revocations() const noexcept { return revocations_.load(std::memory_order_relaxed); }

 private:
  static constexpr uint64_t kNoOwner = ~uint64_t{0};  // never a thread's id
  static constexpr uint32_t kFirstThreshold = 16;
  static constexpr uint32_t kMaxThreshold = 65536;

  void lockSlow() noexcept;
  void revoke() noexcept;  // with mutex_ held

  // Every lock reads owner_ first, so it has a cache line of its own that is
  // written only to grant or revoke the bias: contending threads keep it in
  // their caches instead of pulling the mutex's line twice per lock.
  alignas(64) std::atomic<uint64_t> owner_{kNoOwner};
  alignas(64) std::atomic<bool> busy_{false};  // the owner is inside (biased entry)
  std::mutex mutex_;
  // Guarded by mutex_: who took it last, how many times in a row, and the
  // streak that earns the bias.
  const bool may_bias_;  // asked for, and membarrier works
  uint64_t last_ = kNoOwner;
  uint32_t streak_ = 0;
  uint32_t threshold_ = kFirstThreshold;
  std::atomic<uint64_t> revocations_{0};
};

}  // namespace mtia_sample
