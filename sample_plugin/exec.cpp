// exec.cpp — the "mtia.exec/1" slots: memset, memcpy and host functions on a
// stream. Arguments are checked here, at submission; the stream's executor
// checks device memory again when the work runs (streams.cpp).
#include "runtime.h"

#include <utility>

namespace mtia_sample {

namespace {

using mtia::plugin::guard;

void submitChecked(mtia_stream_t stream, Op op) {
  SampleStream& s = runtime().lookupStream(stream);
  checkOp(op, s.device);
  s.exec.submit(std::move(op));
}

mtia_status_t memset_async(mtia_stream_t stream, void* dst, int32_t value, size_t size) noexcept {
  return guard([&] {
    Op op;
    op.kind = Op::Kind::Memset;
    op.dst = dst;
    op.value = value;
    op.size = size;
    submitChecked(stream, std::move(op));
  });
}

mtia_status_t memcpy_async(mtia_stream_t stream, void* dst, const void* src, size_t size,
                           mtia_memcpy_kind_t kind) noexcept {
  return guard([&] {
    Op op;
    op.kind = Op::Kind::Memcpy;
    op.copy_kind = kind;
    op.dst = dst;
    op.src = src;
    op.size = size;
    submitChecked(stream, std::move(op));
  });
}

mtia_status_t launch_host_func(mtia_stream_t stream, mtia_host_fn_t fn, void* user_data) noexcept {
  return guard([&] {
    Op op;
    op.kind = Op::Kind::HostFunc;
    op.fn = fn;
    op.user_data = user_data;
    submitChecked(stream, std::move(op));
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

}  // namespace mtia_sample
