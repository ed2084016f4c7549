#include <mtia/types.h>

#include <catch2/catch.hpp>

#include <sstream>

TEST_CASE("Stream packs into and out of three integers", "[types]") {
  const mtia::Stream s(7, mtia::Device(mtia::DeviceType::MTIA, 1));
  const auto d = s.pack3();
  CHECK(d.stream_id == 7);
  CHECK(d.device_index == 1);
  CHECK(d.device_type == mtia::DeviceType::MTIA);
  CHECK(mtia::Stream::unpack3(d.stream_id, d.device_index, d.device_type) == s);
  CHECK(mtia::Stream::unpack3(0, 1, mtia::DeviceType::MTIA) != s);
  CHECK(mtia::Stream::DEFAULT == 0);
  CHECK(static_cast<int>(mtia::DeviceType::MTIA) == 19);
}

TEST_CASE("Device and Stream print readably", "[types]") {
  std::ostringstream os;
  os << mtia::Stream(3, mtia::Device(mtia::DeviceType::MTIA, 0));
  CHECK(os.str() == "stream 3 on device mtia:0");
}

namespace {
int g_deleted = 0;
void countingDeleter(void* context, void* ptr) noexcept {
  CHECK(context == &g_deleted);
  CHECK(ptr == &g_deleted);
  ++g_deleted;
}
}  // namespace

TEST_CASE("DataPtr calls its deleter exactly once", "[types]") {
  g_deleted = 0;
  {
    mtia::DataPtr a(&g_deleted, &g_deleted, &countingDeleter);
    mtia::DataPtr b(std::move(a));
    CHECK_FALSE(a);
    CHECK(b.get() == &g_deleted);
    mtia::DataPtr c;
    c = std::move(b);
    CHECK(g_deleted == 0);
  }
  CHECK(g_deleted == 1);
}

TEST_CASE("MempoolId_t {0,0} is the default pool", "[types]") {
  const mtia::MempoolId_t pool{0, 0};
  CHECK(pool == mtia::MempoolId_t(0, 0));
}
