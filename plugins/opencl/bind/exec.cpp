// exec.cpp — "mtia.exec/1": memset (clEnqueueFillBuffer), memcpy
// (clEnqueueWrite/Read/CopyBuffer) and host functions (a marker's callback,
// runtime/queue.cpp) on a stream. Device addresses are resolved to
// (cl_mem, offset) here, at submission, so a bad call fails at once and the
// queued command holds its own reference to the buffer.
#include "bind.h"

#include <utility>

namespace mtia_ocl {

namespace {

// The buffer holding [ptr, ptr + size) on the stream's device, or Failure.
Located deviceRange(const void* ptr, size_t size, int32_t device, const char* what) {
  if (ptr == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, std::string(what) + " is NULL");
  Located where;
  int32_t owner = -1;
  if (!runtime().memory().locate(ptr, size, &where, &owner)) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  std::string(what) + " (" + std::to_string(size) +
                      " bytes) is not inside one live device allocation");
  }
  if (owner != device) {
    throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                  std::string(what) + " is memory of device " + std::to_string(owner) +
                      ", but the stream is on device " + std::to_string(device));
  }
  return where;
}

void checkHost(const void* ptr, const char* what) {
  if (ptr == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, std::string(what) + " is NULL");
}

mtia_status_t memset_async(mtia_stream_t stream, void* dst, int32_t value, size_t size) noexcept {
  return guard([&] {
    Queue& q = runtime().lookupStream(stream);
    if (value < 0 || value > 255) {
      throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                    "memset value " + std::to_string(value) + " is not a byte value (0..255)");
    }
    Located d = deviceRange(dst, size, q.device(), "memset destination");
    if (size == 0) return;
    Op op;
    op.kind = Op::Kind::Fill;
    op.dst = std::move(d.mem);
    op.dst_offset = d.offset;
    op.size = size;
    op.value = static_cast<cl_uchar>(value);
    q.submit(std::move(op));
  });
}

mtia_status_t memcpy_async(mtia_stream_t stream, void* dst, const void* src, size_t size,
                           mtia_memcpy_kind_t kind) noexcept {
  return guard([&] {
    Queue& q = runtime().lookupStream(stream);
    Op op;
    op.size = size;
    switch (kind) {
      case MTIA_MEMCPY_HOST_TO_DEVICE: {
        checkHost(src, "memcpy source");
        Located d = deviceRange(dst, size, q.device(), "memcpy destination");
        op.kind = Op::Kind::Write;
        op.dst = std::move(d.mem);
        op.dst_offset = d.offset;
        op.host_src = src;
        break;
      }
      case MTIA_MEMCPY_DEVICE_TO_HOST: {
        Located s = deviceRange(src, size, q.device(), "memcpy source");
        checkHost(dst, "memcpy destination");
        op.kind = Op::Kind::Read;
        op.src = std::move(s.mem);
        op.src_offset = s.offset;
        op.host_dst = dst;
        break;
      }
      case MTIA_MEMCPY_DEVICE_TO_DEVICE: {
        Located s = deviceRange(src, size, q.device(), "memcpy source");
        Located d = deviceRange(dst, size, q.device(), "memcpy destination");
        if (s.mem.get() == d.mem.get() && s.offset < d.offset + size && d.offset < s.offset + size &&
            size != 0) {
          throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                        "memcpy source and destination overlap in one allocation (OpenCL's "
                        "clEnqueueCopyBuffer cannot copy overlapping regions)");
        }
        op.kind = Op::Kind::Copy;
        op.src = std::move(s.mem);
        op.src_offset = s.offset;
        op.dst = std::move(d.mem);
        op.dst_offset = d.offset;
        break;
      }
      default:
        throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                      "memcpy kind " + std::to_string(kind) +
                          " is not MTIA_MEMCPY_HOST_TO_DEVICE (1), MTIA_MEMCPY_DEVICE_TO_HOST "
                          "(2) or MTIA_MEMCPY_DEVICE_TO_DEVICE (3)");
    }
    if (size == 0) return;
    q.submit(std::move(op));
  });
}

mtia_status_t launch_host_func(mtia_stream_t stream, mtia_host_fn_t fn, void* user_data) noexcept {
  return guard([&] {
    Queue& q = runtime().lookupStream(stream);
    if (fn == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "host function is NULL");
    Op op;
    op.kind = Op::Kind::HostFunc;
    op.fn = fn;
    op.user_data = user_data;
    q.submit(std::move(op));
  });
}

const mtia_exec_ext_v1_t kExecExt = {
    sizeof(mtia_exec_ext_v1_t),
    &memset_async,
    &memcpy_async,
    &launch_host_func,
};

}  // namespace

const mtia_exec_ext_v1_t* execExtension() noexcept { return &kExecExt; }

}  // namespace mtia_ocl
