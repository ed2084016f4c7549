// mtia/types.h — C++ mirrors of the PyTorch types the MTIA seam uses.
#pragma once

#include <mtia/export.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <utility>

namespace mtia {

// PyTorch's c10::DeviceIndex. -1 means "the current device" where accepted.
using DeviceIndex = int8_t;
using StreamId = int64_t;

enum class DeviceType : int8_t {
  CPU = 0,
  MTIA = 19,  // same code as c10::DeviceType::MTIA and MTIA_DEVICE_TYPE_MTIA
};

class Device {
 public:
  constexpr Device(DeviceType type, DeviceIndex index = -1) noexcept : type_(type), index_(index) {}
  constexpr DeviceType type() const noexcept { return type_; }
  constexpr DeviceIndex index() const noexcept { return index_; }
  constexpr bool has_index() const noexcept { return index_ != -1; }
  constexpr bool operator==(const Device& o) const noexcept {
    return type_ == o.type_ && index_ == o.index_;
  }
  constexpr bool operator!=(const Device& o) const noexcept { return !(*this == o); }

 private:
  DeviceType type_;
  DeviceIndex index_;
};

// A stream: (id, device). Id 0 is the device's default stream.
class Stream {
 public:
  static constexpr StreamId DEFAULT = 0;

  // The three integers PyTorch packs a stream into (c10::StreamData3).
  struct Data3 {
    StreamId stream_id;
    DeviceIndex device_index;
    DeviceType device_type;
  };

  constexpr Stream(StreamId id, Device device) noexcept : id_(id), device_(device) {}
  constexpr StreamId id() const noexcept { return id_; }
  constexpr Device device() const noexcept { return device_; }
  constexpr DeviceIndex device_index() const noexcept { return device_.index(); }
  constexpr DeviceType device_type() const noexcept { return device_.type(); }

  constexpr Data3 pack3() const noexcept { return {id_, device_.index(), device_.type()}; }
  static constexpr Stream unpack3(StreamId id, DeviceIndex index, DeviceType type) noexcept {
    return Stream(id, Device(type, index));
  }
  constexpr bool operator==(const Stream& o) const noexcept {
    return id_ == o.id_ && device_ == o.device_;
  }
  constexpr bool operator!=(const Stream& o) const noexcept { return !(*this == o); }

 private:
  StreamId id_;
  Device device_;
};

// PyTorch's MempoolId_t: {0, 0} is the default pool.
using MempoolId_t = std::pair<uint64_t, uint64_t>;

// An owning pointer to memory from an Allocator: calls the deleter once.
class DataPtr {
 public:
  using Deleter = void (*)(void* context, void* ptr) noexcept;

  DataPtr() noexcept = default;
  DataPtr(void* ptr, void* context, Deleter deleter) noexcept
      : ptr_(ptr), context_(context), deleter_(deleter) {}
  DataPtr(DataPtr&& o) noexcept { swap(o); }
  DataPtr& operator=(DataPtr&& o) noexcept {
    DataPtr(std::move(o)).swap(*this);
    return *this;
  }
  DataPtr(const DataPtr&) = delete;
  DataPtr& operator=(const DataPtr&) = delete;
  ~DataPtr() { reset(); }

  void* get() const noexcept { return ptr_; }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }
  void reset() noexcept {
    if (ptr_ != nullptr && deleter_ != nullptr) deleter_(context_, ptr_);
    ptr_ = nullptr;
  }
  void swap(DataPtr& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(context_, o.context_);
    std::swap(deleter_, o.deleter_);
  }

 private:
  void* ptr_ = nullptr;
  void* context_ = nullptr;
  Deleter deleter_ = nullptr;
};

// PyTorch's c10::Allocator, reduced to what the seam needs.
class MTIA_HOST_API Allocator {
 public:
  virtual ~Allocator() = default;
  // Allocates n bytes; throws mtia::Error on failure. n == 0 gives an empty DataPtr.
  virtual DataPtr allocate(std::size_t n) = 0;
};

// OOM observer: (device, requested bytes, device total bytes, device free bytes).
using OutOfMemoryObserver =
    std::function<void(int64_t device, uint64_t requested, uint64_t total, uint64_t free)>;

MTIA_HOST_API std::ostream& operator<<(std::ostream& os, const Device& d);
MTIA_HOST_API std::ostream& operator<<(std::ostream& os, const Stream& s);

}  // namespace mtia
