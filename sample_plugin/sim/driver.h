// sim/driver.h — a small simulated MTIA device runtime (the "driver"), in place of a
// vendor's runtime: the binding calls nothing else. Plain C++, no ABI types, failures thrown
// as sim::Error; not tuned (a mutex per concern, a map per lookup, like PyTorch's OpenReg).
// docs/memory.md and docs/streams-and-graphs.md describe what it simulates.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sim {

inline uint64_t address(const void* p) { return reinterpret_cast<uintptr_t>(p); }

template <class... Parts>
std::string str(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

enum class Err { BadValue, NoMemory, Unsupported, BadState, NotFound, Down, HostFunc };
struct Error : std::runtime_error {
  Error(Err c, const std::string& message, int32_t d = 0)
      : std::runtime_error(message), code(c), detail(d) {}
  Err code;
  int32_t detail;  // HostFunc: the status the host function returned
};

inline constexpr int32_t kMaxDevices = 64;
inline constexpr int64_t kMaxStreams = 1024;            // per device, stream 0 included; < 2^16
inline constexpr size_t kSmallLimit = size_t{1} << 20;  // the largest request of the small pool
inline constexpr size_t kSegment = size_t{2} << 20;     // small segment; large-segment granule

struct Config {
  int32_t device_count = 2;                    // MTIA_SAMPLE_DEVICE_COUNT
  uint64_t device_memory = uint64_t{1} << 30;  // MTIA_SAMPLE_DEVICE_MEMORY
};

void init();      // reads the Config from the environment
void shutdown();  // drops queued work, joins the workers, frees everything
bool initialized() noexcept;
const Config& config();  // Err::Down when not initialised

// What the hot paths read: no lock, no call unless something is wrong.
inline std::atomic<int32_t> g_device_count{0};          // while initialised; else 0
inline std::atomic<bool> g_has_context[kMaxDevices]{};  // set by a device's first use
[[noreturn]] void badDevice(int32_t device);  // Err::Down, or Err::BadValue naming the range
inline void checkDevice(int32_t device) {
  if (device < 0 || device >= g_device_count.load(std::memory_order_relaxed)) badDevice(device);
}
inline bool hasContext(int32_t device) {
  checkDevice(device);
  return g_has_context[device].load(std::memory_order_relaxed);
}
void synchronizeDevice(int32_t device);  // waits; throws the first failing stream's failure
void waitDevice(int32_t device);         // waits for the work queued before the call

// The calling thread's current device and stream per device: one small trivial thread_local
// (no TLS wrapper, no allocation, no lock); a state from an earlier init() reads as fresh.
struct ThreadState {
  uint64_t generation;           // the init() it belongs to
  int32_t device;                // the current device
  uint16_t stream[kMaxDevices];  // the current stream id per device (< kMaxStreams)
};
inline thread_local ThreadState t_thread{};
inline std::atomic<uint64_t> g_generation{0};  // the live init()'s number: 1, 2, ...
inline ThreadState& freshThread() noexcept {  // resets t_thread for the live init()
  t_thread = ThreadState{g_generation.load(std::memory_order_relaxed), 0, {}};
  return t_thread;
}
inline ThreadState& thread() noexcept {
  ThreadState& t = t_thread;
  return t.generation == g_generation.load(std::memory_order_relaxed) ? t : freshThread();
}
// Makes `device` current (creating its context unless asked not to); returns the previous one.
inline int32_t exchangeDevice(int32_t device, bool create_context = true) {
  checkDevice(device);
  if (create_context && !g_has_context[device].load(std::memory_order_relaxed)) {
    g_has_context[device].store(true, std::memory_order_relaxed);
  }
  return std::exchange(thread().device, device);
}

struct Op {          // one unit of stream work
  const char* name;  // errors say "queued <name> on stream 1 of device 0 failed: ..."
  std::function<void()> run;
};
using OpList = std::vector<Op>;

class Stream {
 public:
  Stream(int32_t device_, int64_t id_) : device(device_), id(id_) {}
  ~Stream();  // stop() and join the worker
  const int32_t device;
  const int64_t id;
  std::string name() const { return str("stream ", id, " of device ", device); }
  // Queues the op (the worker starts on the first), or appends it to the
  // graph capturing the stream; event ops are refused while capturing.
  void submit(Op op, bool event_op = false);
  bool idle();
  void waitForSubmitted();           // waits for the work submitted before the call
  std::optional<Error> takeError();  // the first failure since the last call; later ones are dropped
  void synchronize();                // waitForSubmitted, then throws takeError()
  void capture(int64_t graph, OpList* ops);  // ops NULL: the capture ends
  void stop();  // drops queued work; a blocked event wait gives up
  std::atomic<bool> stopping{false};

 private:
  void run();  // the worker: runs the queue in order, keeping the first failure
  std::mutex mutex_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<Op> queue_;
  uint64_t submitted_ = 0, completed_ = 0;
  int64_t capture_graph_ = -1;
  OpList* capture_ = nullptr;
  std::optional<Error> error_;
  std::thread worker_;
};

Stream& createStream(int32_t device);
Stream& findStream(int32_t device, int64_t id);  // Err::NotFound naming the stream
inline Stream& currentStream(int32_t device) { return findStream(device, thread().stream[device]); }

// Pointers are checked when the work is submitted and again when it runs (a graph
// may replay it after a free).
void memsetAsync(Stream& s, void* dst, int32_t value, size_t size);
enum class Copy { HostToDevice, DeviceToHost, DeviceToDevice };
void memcpyAsync(Stream& s, void* dst, const void* src, size_t size, Copy kind);
void hostFuncAsync(Stream& s, std::function<int32_t()> fn);  // fn returns 0 or a failure

int64_t createEvent(bool timing);  // handles 1, 2, ...
void destroyEvent(int64_t event);
void recordEvent(int64_t event, Stream& s);  // the event's latest record
void waitEvent(Stream& s, int64_t event);    // later work on s waits for that record
bool queryEvent(int64_t event);
void synchronizeEvent(int64_t event);
int64_t elapsedNs(int64_t start, int64_t end);

using PoolId = std::pair<uint64_t, uint64_t>;  // PyTorch's MempoolId_t
int64_t createGraph(bool keep_graph);
void destroyGraph(int64_t graph);
void beginCapture(int64_t graph, PoolId pool);  // on the calling thread's current stream
void endCapture(int64_t graph);
void instantiateGraph(int64_t graph);
void replayGraph(int64_t graph);
void resetGraph(int64_t graph);
PoolId graphPool(int64_t graph);
PoolId newPool();  // never {0,0}, never returned before

struct MemoryStats {
  uint64_t total = 0, allocated = 0, peak_allocated = 0, requested = 0, peak_requested = 0,
           reserved = 0, peak_reserved = 0, segments = 0, num_allocs = 0, num_frees = 0,
           num_ooms = 0, num_segment_allocs = 0, num_segment_frees = 0, num_alloc_retries = 0;
};
enum class History { Off, State, All };
struct HistoryConfig {
  History mode = History::Off;
  std::string stacks;  // kept verbatim
  uint64_t max_entries = 0;
};
struct TraceEvent {
  uint64_t seq;
  const char* action;   // "alloc", "free", "segment_alloc", "segment_free", "oom"
  uint64_t addr, size;  // oom: addr = the device's free bytes, size = requested
};
struct Block {
  size_t size, requested;  // requested: 0 while free
  uint64_t alloc_seq;      // the alloc event's number while history is on; else 0
  bool allocated;
};
struct Segment {
  int32_t device;
  size_t size;
  bool small;                     // in the small pool (requests up to kSmallLimit)
  std::map<char*, Block> blocks;  // tile the segment
};
struct Snapshot {
  std::map<char*, Segment> segments;           // every device's, by address
  std::vector<std::deque<TraceEvent>> traces;  // per device, oldest first
  HistoryConfig history;
};
using OomObserver = void (*)(void* user_data, int32_t device, uint64_t requested,
                             uint64_t total, uint64_t free);

// Device memory is host memory: the pointers are real addresses.
void* deviceAlloc(int32_t device, size_t bytes);  // bytes > 0; Err::NoMemory on OOM
// Waits for the device's queued work first (cudaFree's rule): work queued
// before the free never sees the block reused.
void deviceFree(void* ptr);
// True iff [ptr, ptr + bytes) lies in one live allocation; *device is its device.
bool findDeviceRange(const void* ptr, size_t bytes, int32_t* device);
MemoryStats memoryStats(int32_t device);
void resetPeakStats(int32_t device);
void emptyCache();
void recordHistory(const HistoryConfig& config);
Snapshot snapshot();
void addOomObserver(OomObserver fn, void* user_data);

void* pinnedAlloc(size_t bytes);  // bytes > 0
void pinnedFree(void* ptr);
bool isPinned(const void* ptr) noexcept;

// ---- the driver's own state: for its source files (sim/*.cpp), not the binding ----

// int64 handles (1, 2, ...) to objects; the shared_ptr a lookup returns keeps
// the object alive while a call or queued work uses it.
template <class T>
class Handles {
 public:
  explicit Handles(const char* kind) : kind_(kind) {}
  int64_t add(std::shared_ptr<T> object) {
    std::lock_guard<std::mutex> lock(mutex_);
    objects_.emplace(next_, std::move(object));
    return next_++;
  }
  std::shared_ptr<T> find(int64_t handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = objects_.find(handle);
    if (it == objects_.end()) throw notFound(handle);
    return it->second;
  }
  void remove(int64_t handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (objects_.erase(handle) == 0) throw notFound(handle);
  }

 private:
  Error notFound(int64_t handle) const {
    return Error(Err::NotFound, str(kind_, " ", handle, " does not exist"));
  }
  const char* kind_;
  std::mutex mutex_;
  std::map<int64_t, std::shared_ptr<T>> objects_;
  int64_t next_ = 1;
};

struct Device {
  std::mutex streams_mutex;  // serialises stream creation; lookups take no lock
  std::array<std::unique_ptr<Stream>, kMaxStreams> streams;  // set once, below stream_count
  std::atomic<int64_t> stream_count{1};
};

struct DeviceMemory {
  MemoryStats stats;
  uint64_t seq = 0;  // numbers every event, recorded or not
  std::deque<TraceEvent> trace;
  std::set<std::pair<size_t, char*>> free[2];  // free blocks by (size, address); [1]: small pool
};
struct Memory {
  ~Memory();                          // frees the segments and the pinned blocks
  std::mutex mutex;                   // guards everything here
  std::map<char*, Segment> segments;  // every device's, by base address
  std::vector<DeviceMemory> devices;
  HistoryConfig history;
  std::vector<std::pair<OomObserver, void*>> observers;
  std::map<uintptr_t, size_t> pinned;  // pinned blocks: start -> size
};

struct Event;
struct Graph;
struct Runtime {
  Config config;
  Memory memory;
  Handles<Event> events{"event"};
  Handles<Graph> graphs{"graph"};
  std::atomic<uint64_t> next_pool{1};
  std::vector<std::unique_ptr<Device>> devices;  // last: its streams stop first
};
Runtime& rt();  // Err::Down when not initialised

}  // namespace sim
