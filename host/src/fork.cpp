// fork.cpp — the pthread_atfork handlers (see fork.h).
//
// What a child handler may do: the child of a multi-threaded process may only
// call async-signal-safe functions until it execs. The handlers therefore do
// no allocation, no locking of mutexes, no logging: the prepare handler takes
// a spin lock (std::atomic_flag, ForkLock) so that no thread is changing the
// list of bound adapters or the loader's claims while the process forks; the child handler walks that list
// and, for each adapter, memcpy()s prebuilt stand-in tables (unloaded.cpp)
// over the adapter's copies of the plugin's tables and stores Forked into its
// Binding, formats the fork message into a static buffer with plain stores,
// and releases the lock. The swap is done eagerly here rather than lazily on
// first use because a lazy swap would need a check on every hot getter; a
// memcpy of a table and atomic stores are async-signal-safe (POSIX.1-2016
// lists memcpy). The parent handler only releases the lock.
#include "fork.h"

#include "adapter.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>

namespace mtia::detail {

namespace {

std::atomic_flag g_list_lock = ATOMIC_FLAG_INIT;
ForkLink* g_bound = nullptr;  // guarded by g_list_lock
std::atomic<bool> g_global_load_running{false};
std::atomic<bool> g_fork_interrupted_global_load{false};
std::atomic<pid_t> g_forking_pid{0};  // set by prepare, read by child
std::atomic<pid_t> g_parent_pid{0};   // set by child
static_assert(std::atomic<pid_t>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
              "used from the atfork child handler");

char g_fork_message[384] = "";

void lockList() noexcept {
  while (g_list_lock.test_and_set(std::memory_order_acquire)) {
    sched_yield();
  }
}
void unlockList() noexcept { g_list_lock.clear(std::memory_order_release); }

// Plain stores into a fixed buffer: safe in the child handler.
class Writer {
 public:
  Writer(char* out, std::size_t capacity) : out_(out), end_(out + capacity - 1) {}
  ~Writer() { *out_ = '\0'; }
  Writer& text(const char* s) {
    while (*s != '\0' && out_ < end_) *out_++ = *s++;
    return *this;
  }
  Writer& number(long value) {
    char digits[24];
    int n = 0;
    unsigned long v = value < 0 ? 0UL - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0 && n < 23);
    if (value < 0 && out_ < end_) *out_++ = '-';
    while (n > 0 && out_ < end_) *out_++ = digits[--n];
    return *this;
  }

 private:
  char* out_;
  char* end_;
};

void prepare() noexcept {
  lockList();
  g_forking_pid.store(getpid(), std::memory_order_relaxed);
}

void parent() noexcept { unlockList(); }

void child() noexcept {
  const pid_t parent_pid = g_forking_pid.load(std::memory_order_relaxed);
  g_parent_pid.store(parent_pid, std::memory_order_relaxed);
  Writer(g_fork_message, sizeof g_fork_message)
      .text("Cannot re-initialize MTIA in forked subprocess. To use MTIA with multiprocessing, "
            "you must use the 'spawn' start method (the MTIA plugin was loaded in parent "
            "process ")
      .number(parent_pid)
      .text("; this is its forked child ")
      .number(getpid())
      .text(")");
  if (g_global_load_running.load(std::memory_order_relaxed)) {
    g_fork_interrupted_global_load.store(true, std::memory_order_relaxed);
  }
  for (ForkLink* link = g_bound; link != nullptr; link = link->next) link->hooks->enterForkedChild();
  unlockList();
}

void installHandlers() noexcept {
  static const bool installed = pthread_atfork(&prepare, &parent, &child) == 0;
  (void)installed;
}

}  // namespace

const char* forkMessage() noexcept { return g_fork_message; }

pid_t forkParentPid() noexcept { return g_parent_pid.load(std::memory_order_relaxed); }

ForkLock::ForkLock() noexcept {
  installHandlers();
  lockList();
}

ForkLock::~ForkLock() { unlockList(); }

void registerBound(ForkLink& link) noexcept {
  const ForkLock lock;
  link.prev = nullptr;
  link.next = g_bound;
  if (g_bound != nullptr) g_bound->prev = &link;
  g_bound = &link;
}

void unregisterBound(ForkLink& link) noexcept {
  const ForkLock lock;
  if (link.prev != nullptr) link.prev->next = link.next;
  if (link.next != nullptr) link.next->prev = link.prev;
  if (g_bound == &link) g_bound = link.next;
  link.prev = link.next = nullptr;
}

void setGlobalLoadRunning(bool running) noexcept {
  installHandlers();
  g_global_load_running.store(running, std::memory_order_relaxed);
}

bool forkInterruptedGlobalLoad() noexcept {
  return g_fork_interrupted_global_load.load(std::memory_order_relaxed);
}

}  // namespace mtia::detail
