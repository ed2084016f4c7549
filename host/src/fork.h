// fork.h — what the host does when the process forks (pthread_atfork).
//
// PyTorch's rule for CUDA and MTIA: a child of a process that initialised the
// device cannot use it ("Cannot re-initialize MTIA in forked subprocess ...").
// The child has only the forking thread, so anything that would wait for a
// plugin thread of the parent waits forever. In the child, every adapter that
// was bound to a plugin is switched to stand-in tables that fail at once with
// forkMessage(): the hot getters keep their one indirect call, no flag check.
#pragma once

#include <sys/types.h>

namespace mtia::detail {

class PluginHooks;

// PyTorch's wording plus what happened: "Cannot re-initialize MTIA in forked
// subprocess. To use MTIA with multiprocessing, you must use the 'spawn'
// start method (the MTIA plugin was loaded in parent process N; this is its
// forked child M)". Valid in a forked child (written by the child handler).
const char* forkMessage() noexcept;

// An adapter bound to a plugin: a node of the list the child handler walks.
struct ForkLink {
  PluginHooks* hooks = nullptr;
  ForkLink* prev = nullptr;
  ForkLink* next = nullptr;
};
// The first registration installs the atfork handlers (once per process).
void registerBound(ForkLink& link) noexcept;
void unregisterBound(ForkLink& link) noexcept;

// A short critical section that a fork never splits: the prepare handler
// takes the same lock, so a forked child finds the state it guards whole and
// the lock free. For the adapters' list and the loader's claims.
class ForkLock {
 public:
  ForkLock() noexcept;
  ~ForkLock();
  ForkLock(const ForkLock&) = delete;
  ForkLock& operator=(const ForkLock&) = delete;
};

// The global loader's first load is running (registry.cpp): a fork now gives
// the child the stub (forkInterruptedGlobalLoad()).
void setGlobalLoadRunning(bool running) noexcept;
bool forkInterruptedGlobalLoad() noexcept;

// The pid of the process that forked this one, as the child handler recorded
// it (0 when this process was not forked by one that ran these handlers).
pid_t forkParentPid() noexcept;

}  // namespace mtia::detail
