// support.cpp — the checks' shared tools (support.h).
#include "support.h"

#include <deque>
#include <cstdio>

namespace mtia_conformance {

void Context::step(std::string what) {
  std::lock_guard<std::mutex> lock(mutex_);
  step_ = std::move(what);
}

std::string Context::currentStep() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return step_;
}

DeviceIndex dev(int d) { return static_cast<DeviceIndex>(d); }
std::string str(int64_t value) { return std::to_string(value); }
std::string str(const Stream& s) {
  return "stream " + std::to_string(s.id()) + " of device " + str(s.device_index());
}
std::string str(const MempoolId_t& p) {
  return "{" + std::to_string(p.first) + ", " + std::to_string(p.second) + "}";
}

DeviceBuffer::DeviceBuffer(const Hooks& hooks, int device, size_t bytes)
    : hooks_(hooks), ptr_(hooks.deviceAlloc(dev(device), bytes)) {
  expect(ptr_ != nullptr || bytes == 0,
         "deviceAlloc(" + str(device) + ", " + str(static_cast<int64_t>(bytes)) +
             ") returned nullptr");
}

DeviceBuffer::~DeviceBuffer() { release(); }

void DeviceBuffer::release() {
  if (ptr_ == nullptr) return;
  try {
    hooks_.deviceFree(ptr_);
  } catch (...) {
    // The check that frees on purpose reports failures itself.
  }
  ptr_ = nullptr;
}

namespace {
std::mutex g_probes_mutex;
std::deque<ProbeState> g_probes;  // never shrinks: plugins may run probes late
std::mutex g_host_mutex;
std::deque<std::vector<unsigned char>> g_host_buffers;  // never shrinks (HostBuffer)
}  // namespace

HostBuffer::HostBuffer(size_t bytes, unsigned char fill) : size_(bytes) {
  std::lock_guard<std::mutex> lock(g_host_mutex);
  data_ = g_host_buffers.emplace_back(bytes, fill).data();
}

Probe::Probe(bool closed, int32_t status) {
  std::lock_guard<std::mutex> lock(g_probes_mutex);
  state_ = &g_probes.emplace_back();
  state_->open = !closed;
  state_->status = status;
}

Probe::~Probe() { open(); }

mtia_status_t Probe::run(void* arg) noexcept {
  auto* state = static_cast<ProbeState*>(arg);
  std::unique_lock<std::mutex> lock(state->mutex);
  state->cv.wait(lock, [&] { return state->open; });
  state->runs.fetch_add(1);
  return state->status.load();
}

void Probe::enqueue(const mtia::StreamExec& exec, const Stream& s) const {
  exec.launchHostFunc(s, &Probe::run, state_);
}

void Probe::open() const {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->open = true;
  }
  state_->cv.notify_all();
}

DelayedOpen::DelayedOpen(const Probe& gate, int ms)
    : thread_([&gate, ms] {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        gate.open();
      }) {}

DelayedOpen::~DelayedOpen() { thread_.join(); }

nlohmann::json dramStats(const Hooks& hooks, int d) {
  const nlohmann::json stats = hooks.memoryStats(dev(d));
  const auto dram = stats.find("dram");
  expect(dram != stats.end() && dram->is_object(),
         "memoryStats(" + str(d) + ") has no \"dram\" object: " + jsonText(stats));
  return *dram;
}

int64_t dramStat(const nlohmann::json& dram, const char* key) {
  const auto value = dram.find(key);
  expect(value != dram.end() && value->is_number_integer() && value->get<int64_t>() >= 0,
         std::string("memoryStats()[\"dram\"] has no non-negative integer \"") + key +
             "\": " + jsonText(dram));
  return value->get<int64_t>();
}

std::string firstDifference(const std::vector<unsigned char>& got,
                            const std::vector<unsigned char>& expected) {
  for (size_t i = 0; i < got.size() && i < expected.size(); ++i) {
    if (got[i] != expected[i]) {
      char text[96];
      std::snprintf(text, sizeof text, "byte %zu of %zu is 0x%02x, expected 0x%02x", i,
                    got.size(), got[i], expected[i]);
      return text;
    }
  }
  return got.size() == expected.size() ? "" : "sizes differ";
}

void synchronize(Context& ctx, const mtia::StreamExec& exec, const Stream& s) {
  ctx.step("synchronize(" + str(s) + ") to return");
  exec.synchronize(s);
  ctx.step("the check to finish");
}

}  // namespace mtia_conformance
