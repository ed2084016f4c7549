// exec.cpp — the "mtia.exec/1" extension: memset, memcpy and host functions
// on a stream. The driver checks the pointers (sim/driver.h says when).
#include "binding.h"

namespace sample {

mtia_exec_ext_v1_t makeExecExt() noexcept {
  mtia_exec_ext_v1_t e{};
  e.struct_size = sizeof(e);
  e.memset_async = [](mtia_stream_t stream, void* dst, int32_t value, size_t size) noexcept {
    return slot([&] { sim::memsetAsync(findStream(stream), dst, value, size); });
  };
  e.memcpy_async = [](mtia_stream_t stream, void* dst, const void* src, size_t size,
                      mtia_memcpy_kind_t kind) noexcept {
    return slot([&] {
      if (kind < MTIA_MEMCPY_HOST_TO_DEVICE || kind > MTIA_MEMCPY_DEVICE_TO_DEVICE) {
        throw Failure(MTIA_STATUS_INVALID_ARGUMENT,
                      str("memcpy kind ", kind, " is not MTIA_MEMCPY_HOST_TO_DEVICE (1), "
                          "MTIA_MEMCPY_DEVICE_TO_HOST (2) or MTIA_MEMCPY_DEVICE_TO_DEVICE (3)"));
      }
      const auto copy = static_cast<sim::Copy>(kind - MTIA_MEMCPY_HOST_TO_DEVICE);
      sim::memcpyAsync(findStream(stream), dst, src, size, copy);
    });
  };
  e.launch_host_func = [](mtia_stream_t stream, mtia_host_fn_t fn, void* user_data) noexcept {
    return slot([&] {
      if (fn == nullptr) throw Failure(MTIA_STATUS_INVALID_ARGUMENT, "host function is NULL");
      sim::hostFuncAsync(findStream(stream), [fn, user_data] { return fn(user_data); });
    });
  };
  return e;
}

}  // namespace sample
