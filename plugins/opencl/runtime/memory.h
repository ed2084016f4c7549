// memory.h — device memory as cl_mem buffers behind opaque addresses, and
// pinned host memory as mapped CL_MEM_ALLOC_HOST_PTR buffers.
//
// Device addresses come from a range of address space reserved with
// PROT_NONE: they never alias host memory, and a device address dereferenced
// on the host faults. Each allocation is one cl_mem; an address inside it
// resolves to (buffer, offset). device_free releases the plugin's reference:
// work queued (or captured) before the free holds references of its own, so
// OpenCL deletes the buffer only after that work has run (clReleaseMemObject),
// and a later allocation never shares its storage.
#pragma once

#include "queue.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace mtia_ocl {

struct DeviceMemoryStats {
  uint64_t allocated_bytes = 0, peak_bytes = 0;
  uint64_t total_bytes = 0;
  uint64_t active_allocations = 0, num_allocs = 0, num_frees = 0, num_ooms = 0;
};

// What allocate() reports when the device cannot hold the request.
struct OomReport {
  uint64_t requested = 0, total = 0, free = 0;
  std::string reason;  // which limit was hit
};

// A device address resolved to its buffer.
struct Located {
  MemRef mem;
  size_t offset = 0;
  int32_t device = -1;
};

// recordMemoryHistory's settings and the trace events it keeps.
struct TraceEvent {
  uint64_t seq;
  const char* action;  // "alloc", "free", "oom"
  uintptr_t addr;
  uint64_t size;
};
struct HistoryConfig {
  std::string enabled;  // "" (off), "state" or "all"
  std::string stacks;
  uint64_t max_entries = 0;
};
struct BlockView {
  int32_t device;
  uintptr_t address;
  uint64_t size;
  uint64_t seq;
};

class DeviceMemory {
 public:
  // Reserves the address range; `limits` are each device's global memory and
  // largest allocation.
  DeviceMemory(cl_context context, std::vector<std::pair<uint64_t, uint64_t>> limits);
  ~DeviceMemory();
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;

  // A new allocation of `size` (> 0) bytes, or nullptr with *oom filled in.
  void* allocate(int32_t device, size_t size, OomReport* oom);
  // Frees an address allocate() returned; Failure(INVALID_ARGUMENT) otherwise.
  void free(void* ptr);
  // The buffer holding [ptr, ptr + size), or false when no single live
  // allocation holds it. *owner gets the allocation's device when ptr is in
  // one (even when the range runs past its end), -1 when not.
  bool locate(const void* ptr, size_t size, Located* out, int32_t* owner) const;

  DeviceMemoryStats stats(int32_t device) const;
  void resetPeak(int32_t device);
  void setHistory(HistoryConfig config);
  HistoryConfig history() const;
  std::vector<BlockView> blocks() const;
  std::vector<std::vector<TraceEvent>> traces() const;

 private:
  struct Block {
    MemRef mem;
    size_t size;
    size_t span;  // address space taken (size rounded up)
    int32_t device;
    uint64_t seq;
  };
  struct PerDevice {
    DeviceMemoryStats stats;
    uint64_t max_alloc = 0;
    std::vector<TraceEvent> trace;  // a ring of history.max_entries when "all"
    size_t trace_next = 0;
  };
  uintptr_t takeAddress(size_t span);  // with mutex_ held; 0 when exhausted
  Failure badFree(const void* ptr) const;  // with mutex_ held: why free(ptr) fails
  void record(PerDevice& d, const char* action, uintptr_t addr, uint64_t size);

  cl_context context_;
  void* reserved_ = nullptr;
  size_t reserved_size_ = 0;
  uintptr_t next_ = 0, end_ = 0;
  mutable std::shared_mutex mutex_;
  std::map<uintptr_t, Block> blocks_;
  std::unordered_map<size_t, std::vector<uintptr_t>> free_spans_;  // span -> addresses
  std::vector<PerDevice> devices_;
  HistoryConfig history_;
  uint64_t seq_ = 0;
};

class PinnedMemory {
 public:
  PinnedMemory(cl_context context, cl_command_queue queue) noexcept
      : context_(context), queue_(queue) {}
  ~PinnedMemory();
  void* allocate(size_t size);
  void free(void* ptr);
  bool contains(const void* ptr) const;

 private:
  struct Mapping {
    cl_mem mem;
    size_t size;
  };
  cl_context context_;
  cl_command_queue queue_;  // maps and unmaps
  mutable std::shared_mutex mutex_;
  std::map<uintptr_t, Mapping> mappings_;
};

// "0x7f12345000"
std::string hex(const void* ptr);

}  // namespace mtia_ocl
