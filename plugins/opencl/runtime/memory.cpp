#include "memory.h"

#include <sys/mman.h>

#include <cstdio>

namespace mtia_ocl {

namespace {

constexpr size_t kAlignment = 4096;  // device addresses are page aligned

size_t spanOf(size_t size) { return (size + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

std::string hex(const void* ptr) {
  char text[32];
  std::snprintf(text, sizeof(text), "%p", ptr);
  return text;
}

DeviceMemory::DeviceMemory(cl_context context, std::vector<std::pair<uint64_t, uint64_t>> limits)
    : context_(context), devices_(limits.size()) {
  for (size_t d = 0; d < limits.size(); ++d) {
    devices_[d].stats.total_bytes = limits[d].first;
    devices_[d].max_alloc = limits[d].second;
  }
  // Address space only (no memory): as large as the system lets us, 1 TiB at most.
  for (size_t size = size_t{1} << 40; size >= (size_t{1} << 32); size /= 2) {
    void* p = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) {
      reserved_ = p;
      reserved_size_ = size;
      next_ = reinterpret_cast<uintptr_t>(p);
      end_ = next_ + size;
      return;
    }
  }
  throw Failure(MTIA_STATUS_OUT_OF_MEMORY, "cannot reserve address space for device addresses");
}

DeviceMemory::~DeviceMemory() {
  blocks_.clear();  // releases the buffers
  if (reserved_ != nullptr) munmap(reserved_, reserved_size_);
}

uintptr_t DeviceMemory::takeAddress(size_t span) {
  if (auto it = free_spans_.find(span); it != free_spans_.end() && !it->second.empty()) {
    const uintptr_t addr = it->second.back();
    it->second.pop_back();
    return addr;
  }
  if (end_ - next_ < span) return 0;
  const uintptr_t addr = next_;
  next_ += span;
  return addr;
}

void DeviceMemory::record(PerDevice& d, const char* action, uintptr_t addr, uint64_t size) {
  const TraceEvent event{++seq_, action, addr, size};
  if (history_.enabled != "all" || history_.max_entries == 0) return;
  if (d.trace.size() < history_.max_entries) {
    d.trace.push_back(event);
  } else {
    d.trace[d.trace_next] = event;
    d.trace_next = (d.trace_next + 1) % d.trace.size();
  }
}

void* DeviceMemory::allocate(int32_t device, size_t size, OomReport* oom) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  PerDevice& d = devices_[static_cast<size_t>(device)];
  const uint64_t free_bytes = d.stats.total_bytes - d.stats.allocated_bytes;
  const auto refuse = [&](std::string reason) -> void* {
    ++d.stats.num_ooms;
    record(d, "oom", free_bytes, size);
    *oom = {size, d.stats.total_bytes, free_bytes, std::move(reason)};
    return nullptr;
  };
  if (size > free_bytes) return refuse("");
  if (size > d.max_alloc) {
    return refuse("larger than the device's largest allocation (CL_DEVICE_MAX_MEM_ALLOC_SIZE = " +
                  std::to_string(d.max_alloc) + " bytes)");
  }
  const size_t span = spanOf(size);
  const uintptr_t addr = takeAddress(span);
  if (addr == 0) return refuse("the plugin's device address range is exhausted");
  cl_int rc = CL_SUCCESS;
  cl_mem mem = clCreateBuffer(context_, CL_MEM_READ_WRITE, size, nullptr, &rc);
  if (rc != CL_SUCCESS) {
    free_spans_[span].push_back(addr);
    if (statusOf(rc) == MTIA_STATUS_OUT_OF_MEMORY) return refuse("clCreateBuffer: " + clErrorName(rc));
    clCheck(rc, "clCreateBuffer");
  }
  blocks_.emplace(addr, Block{MemRef(mem), size, span, device, seq_ + 1});
  record(d, "alloc", addr, size);
  d.stats.allocated_bytes += size;
  if (d.stats.allocated_bytes > d.stats.peak_bytes) d.stats.peak_bytes = d.stats.allocated_bytes;
  ++d.stats.active_allocations;
  ++d.stats.num_allocs;
  return reinterpret_cast<void*>(addr);
}

void DeviceMemory::free(void* ptr) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  const auto addr = reinterpret_cast<uintptr_t>(ptr);
  const auto it = blocks_.find(addr);
  if (it == blocks_.end()) throw badFree(ptr);
  PerDevice& d = devices_[static_cast<size_t>(it->second.device)];
  d.stats.allocated_bytes -= it->second.size;
  --d.stats.active_allocations;
  ++d.stats.num_frees;
  record(d, "free", it->first, it->second.size);
  free_spans_[it->second.span].push_back(it->first);
  blocks_.erase(it);  // drops the plugin's reference; queued work holds its own
}

Failure DeviceMemory::badFree(const void* ptr) const {
  return Failure(MTIA_STATUS_INVALID_ARGUMENT,
                 hex(ptr) + " is not a live allocation of the OpenCL plugin: pass the pointer that "
                            "device_alloc returned");
}

bool DeviceMemory::locate(const void* ptr, size_t size, Located* out, int32_t* owner) const {
  const auto addr = reinterpret_cast<uintptr_t>(ptr);
  std::shared_lock<std::shared_mutex> lock(mutex_);
  *owner = -1;
  auto it = blocks_.upper_bound(addr);
  if (it == blocks_.begin()) return false;
  --it;
  const Block& b = it->second;
  const size_t offset = addr - it->first;
  if (offset >= b.size) return false;
  *owner = b.device;
  if (size > b.size - offset) return false;
  *out = {b.mem, offset, b.device};
  return true;
}

DeviceMemoryStats DeviceMemory::stats(int32_t device) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return devices_[static_cast<size_t>(device)].stats;
}

void DeviceMemory::resetPeak(int32_t device) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  DeviceMemoryStats& s = devices_[static_cast<size_t>(device)].stats;
  s.peak_bytes = s.allocated_bytes;
}

void DeviceMemory::setHistory(HistoryConfig config) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  history_ = std::move(config);
  for (PerDevice& d : devices_) d.trace.clear(), d.trace_next = 0;
}

HistoryConfig DeviceMemory::history() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return history_;
}

std::vector<BlockView> DeviceMemory::blocks() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<BlockView> views;
  for (const auto& [addr, b] : blocks_) views.push_back({b.device, addr, b.size, b.seq});
  return views;
}

std::vector<std::vector<TraceEvent>> DeviceMemory::traces() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<std::vector<TraceEvent>> out;
  for (const PerDevice& d : devices_) {
    std::vector<TraceEvent> ordered(d.trace.begin() + static_cast<ptrdiff_t>(d.trace_next),
                                    d.trace.end());
    ordered.insert(ordered.end(), d.trace.begin(),
                   d.trace.begin() + static_cast<ptrdiff_t>(d.trace_next));
    out.push_back(std::move(ordered));
  }
  return out;
}

// ---- pinned host memory ----------------------------------------------------

PinnedMemory::~PinnedMemory() {
  for (const auto& [addr, m] : mappings_) {
    clEnqueueUnmapMemObject(queue_, m.mem, reinterpret_cast<void*>(addr), 0, nullptr, nullptr);
    clReleaseMemObject(m.mem);
  }
  clFinish(queue_);
}

void* PinnedMemory::allocate(size_t size) {
  cl_int rc = CL_SUCCESS;
  cl_mem mem = clCreateBuffer(context_, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, size, nullptr, &rc);
  clCheck(rc, "clCreateBuffer(CL_MEM_ALLOC_HOST_PTR)");
  void* host = clEnqueueMapBuffer(queue_, mem, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0, size, 0,
                                  nullptr, nullptr, &rc);
  if (rc != CL_SUCCESS) {
    clReleaseMemObject(mem);
    clCheck(rc, "clEnqueueMapBuffer");
  }
  std::unique_lock<std::shared_mutex> lock(mutex_);
  mappings_.emplace(reinterpret_cast<uintptr_t>(host), Mapping{mem, size});
  return host;
}

void PinnedMemory::free(void* ptr) {
  Mapping m{};
  {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    const auto it = mappings_.find(reinterpret_cast<uintptr_t>(ptr));
    if (it == mappings_.end()) {
      throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                    hex(ptr) + " is not a live pinned allocation (not from pinned_alloc, or "
                               "already freed)");
    }
    m = it->second;
    mappings_.erase(it);
  }
  const cl_int rc = clEnqueueUnmapMemObject(queue_, m.mem, ptr, 0, nullptr, nullptr);
  clFinish(queue_);
  clReleaseMemObject(m.mem);
  clCheck(rc, "clEnqueueUnmapMemObject");
}

bool PinnedMemory::contains(const void* ptr) const {
  const auto addr = reinterpret_cast<uintptr_t>(ptr);
  std::shared_lock<std::shared_mutex> lock(mutex_);
  auto it = mappings_.upper_bound(addr);
  if (it == mappings_.begin()) return false;
  --it;
  return addr - it->first < it->second.size;
}

}  // namespace mtia_ocl
