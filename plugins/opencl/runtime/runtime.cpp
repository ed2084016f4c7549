#include "runtime.h"

namespace mtia_ocl {

Runtime* g_runtime = nullptr;
std::atomic<uint64_t> g_generation{0};
std::atomic<int32_t> g_device_count{0};
const mtia_host_services_t* g_host = nullptr;

void log(mtia_log_level_t level, const std::string& message) noexcept {
  const mtia_host_services_t* host = g_host;
  if (host != nullptr && host->log != nullptr) host->log(host->host_data, level, message.c_str());
}

Runtime::Runtime(Config config) : config_(std::move(config)), platform_(selectPlatform(config_)) {
  const size_t count = std::min(platform_.devices.size(), static_cast<size_t>(kMaxDevices));
  if (count == 0) return;
  std::vector<cl_device_id> ids;
  for (size_t d = 0; d < count; ++d) ids.push_back(platform_.devices[d].id);
  const cl_context_properties props[] = {
      CL_CONTEXT_PLATFORM, reinterpret_cast<cl_context_properties>(platform_.id), 0};
  cl_int rc = CL_SUCCESS;
  context_ = clCreateContext(props, static_cast<cl_uint>(count), ids.data(), nullptr, nullptr, &rc);
  clCheck(rc, "clCreateContext");
  try {
    std::vector<std::pair<uint64_t, uint64_t>> limits;
    for (size_t d = 0; d < count; ++d) {
      auto dev = std::make_unique<Device>();
      dev->info = platform_.devices[d];
      limits.emplace_back(dev->info.global_mem_bytes, dev->info.max_alloc_bytes);
      devices_.push_back(std::move(dev));
    }
    memory_ = std::make_unique<DeviceMemory>(context_, std::move(limits));
    for (size_t d = 0; d < count; ++d) {  // stream 0: the device's default queue
      Device& dev = *devices_[d];
      dev.owned.push_back(std::make_unique<Queue>(context_, dev.info.id, static_cast<int32_t>(d), 0, 0));
      dev.streams[0].store(dev.owned.back().get(), std::memory_order_release);
    }
    pinned_queue_ = std::make_unique<Queue>(context_, ids[0], 0, -1, 0);
    pinned_ = std::make_unique<PinnedMemory>(context_, pinned_queue_->get());
  } catch (...) {
    pinned_.reset();
    pinned_queue_.reset();
    memory_.reset();
    devices_.clear();
    clReleaseContext(context_);
    throw;
  }
}

Runtime::~Runtime() {
  pinned_.reset();
  pinned_queue_.reset();
  devices_.clear();  // each queue finishes its work first
  memory_.reset();
  if (context_ != nullptr) clReleaseContext(context_);
}

void Runtime::checkDevice(int32_t index) const {
  if (index < 0 || index >= deviceCount()) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  "device index " + std::to_string(index) + " is out of range: " +
                      (devices_.empty() ? "the OpenCL plugin has no devices (" + platform_.note + ")"
                                        : "the OpenCL plugin has " + std::to_string(deviceCount()) +
                                              (deviceCount() == 1 ? " device (0..0)" : " devices (0..") +
                                              (deviceCount() == 1 ? "" : std::to_string(deviceCount() - 1) + ")")));
  }
}

Queue& Runtime::createStream(int32_t device, int32_t priority) {
  Device& dev = *devices_[static_cast<size_t>(device)];
  std::lock_guard<std::mutex> lock(dev.streams_mutex);
  const int64_t id = static_cast<int64_t>(dev.owned.size());
  if (id >= kMaxStreamsPerDevice) {
    throw Failure(MTIA_STATUS_OUT_OF_MEMORY, "device " + std::to_string(device) +
                                                 " already has the maximum of " +
                                                 std::to_string(kMaxStreamsPerDevice) + " streams");
  }
  dev.owned.push_back(std::make_unique<Queue>(context_, dev.info.id, device, id, priority));
  dev.streams[static_cast<size_t>(id)].store(dev.owned.back().get(), std::memory_order_release);
  return *dev.owned.back();
}

Queue& Runtime::lookupStream(mtia_stream_t stream) const {
  if (stream.device_type != MTIA_DEVICE_TYPE_MTIA) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "stream device type " +
                                                    std::to_string(stream.device_type) +
                                                    " is not MTIA (" +
                                                    std::to_string(MTIA_DEVICE_TYPE_MTIA) + ")");
  }
  checkDevice(stream.device_index);
  Queue* q = findStream(stream.device_index, stream.stream_id);
  if (q == nullptr) {
    throw Failure(MTIA_STATUS_NOT_FOUND, "stream " + std::to_string(stream.stream_id) +
                                             " does not exist on device " +
                                             std::to_string(stream.device_index));
  }
  return *q;
}

void Runtime::synchronizeDevice(int32_t device) {
  Device& dev = *devices_[static_cast<size_t>(device)];
  std::vector<Queue*> queues;
  {
    std::lock_guard<std::mutex> lock(dev.streams_mutex);
    for (const auto& q : dev.owned) queues.push_back(q.get());
  }
  for (Queue* q : queues) q->wait();
  mtia_status_t first_code = MTIA_STATUS_OK;
  std::string first;
  size_t others = 0;
  for (Queue* q : queues) {
    mtia_status_t code = MTIA_STATUS_OK;
    std::string message = q->takeError(&code);
    if (code == MTIA_STATUS_OK) continue;
    if (first_code == MTIA_STATUS_OK) {
      first_code = code;
      first = std::move(message);
    } else {
      ++others;
    }
  }
  if (first_code == MTIA_STATUS_OK) return;
  if (others > 0) {
    first += " (and failures on " + std::to_string(others) + " other stream" +
             (others == 1 ? "" : "s") + " of device " + std::to_string(device) + ")";
  }
  throw Failure(first_code, first);
}

DeviceMemory& Runtime::memory() {
  if (memory_ == nullptr) {
    throw Failure(MTIA_STATUS_UNAVAILABLE,
                  "device memory needs an OpenCL device, and there is none (" + platform_.note + ")");
  }
  return *memory_;
}

PinnedMemory& Runtime::pinned() {
  if (pinned_ == nullptr) {
    throw Failure(MTIA_STATUS_UNAVAILABLE,
                  "pinned memory needs an OpenCL device, and there is none (" + platform_.note + ")");
  }
  return *pinned_;
}

Runtime& runtime() {
  Runtime* rt = g_runtime;
  if (rt == nullptr) {
    throw Failure(MTIA_STATUS_UNAVAILABLE, "the OpenCL plugin is not initialised (or shut down)");
  }
  return *rt;
}

}  // namespace mtia_ocl
