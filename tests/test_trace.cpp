// The tracing layer (MTIA_TRACE, docs/tracing.md): a traced load records each
// hook call and each piece of stream work in a Chrome Trace Event file, in a
// ring buffer that says what it dropped; written by mtia::flushTrace() and at
// exit, never by a forked child; refused for a relative path; absent when off.
#include "run_process.h"
#include "test_support.h"

#include <mtia/exec.h>
#include <mtia/trace.h>

#include <nlohmann/json.hpp>

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using mtia_test::samplePluginPath;
using mtia_test::TempDir;
using nlohmann::json;

// Sets (or, with nullopt, removes) an environment variable for a scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

json readTrace(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// The complete events ("ph":"X") of a trace, in file order.
std::vector<json> calls(const json& trace) {
  std::vector<json> result;
  for (const json& e : trace.at("traceEvents")) {
    if (e.at("ph") == "X") result.push_back(e);
  }
  return result;
}

std::vector<std::string> names(const std::vector<json>& events) {
  std::vector<std::string> result;
  for (const json& e : events) result.push_back(e.at("name").get<std::string>());
  return result;
}

std::string handleText(const void* p) {
  std::ostringstream text;
  text << "0x" << std::hex << reinterpret_cast<uintptr_t>(p);
  return text.str();
}

uint32_t thisThread() { return static_cast<uint32_t>(syscall(SYS_gettid)); }

// The sample plugin loaded with MTIA_TRACE naming dir/<name> (and, when
// given, MTIA_TRACE_EVENTS); the variables are restored at scope exit.
struct TracedSample {
  explicit TracedSample(const std::string& name, std::optional<std::string> events = std::nullopt)
      : file(dir.path() + "/" + name), tracing("MTIA_TRACE", file),
        capacity("MTIA_TRACE_EVENTS", std::move(events)) {}
  TempDir dir;
  const std::string file;
  const ScopedEnv tracing, capacity;
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(samplePluginPath());
};

}  // namespace

TEST_CASE("A traced load records each hook call in order with its arguments, result and time",
          "[trace]") {
  TracedSample traced("trace.json");
  const std::string& file = traced.file;
  const mtia::MTIAHooksInterface& hooks = traced.hooks;

  const mtia::DeviceIndex count = hooks.deviceCount();
  REQUIRE(count >= 1);
  hooks.setCurrentDevice(0);
  CHECK(hooks.getCurrentDevice() == 0);
  const mtia::Stream stream = hooks.getCurrentStream(0);
  void* block = hooks.deviceAlloc(0, 256);
  REQUIRE(block != nullptr);
  std::string error;
  try {
    hooks.setCurrentDevice(count);  // one past the last device
  } catch (const mtia::Error& e) {
    error = e.what();
  }
  REQUIRE(!error.empty());
  int64_t event = 0;
  {
    mtia::StreamExec exec(hooks);
    exec.memset(stream, block, 0x5A, 256);
    exec.synchronize(stream);
    mtia::Event done(false, hooks);
    done.record(stream);
    done.synchronize();
    event = done.handle();
  }
  hooks.deviceFree(block);
  CHECK(hooks.memoryStats(0).contains("dram"));
  REQUIRE(mtia::flushTrace());

  const json trace = readTrace(file);
  const std::vector<json> events = calls(trace);
  CHECK(names(events) == std::vector<std::string>{"deviceCount", "setCurrentDevice",
                                                  "getCurrentDevice", "getCurrentStream",
                                                  "deviceAlloc", "setCurrentDevice",
                                                  "StreamExec::memset", "StreamExec::synchronize",
                                                  "Event", "Event::record", "Event::synchronize",
                                                  "Event::~Event", "deviceFree", "memoryStats"});
  double previous_end = 0;
  for (const json& e : events) {
    INFO(e.dump());
    CHECK(e.at("pid") == getpid());
    CHECK(e.at("tid") == thisThread());
    CHECK(e.at("dur").get<double>() >= 0);
    CHECK(e.at("dur").get<double>() < 10e6);  // µs
    CHECK(e.at("ts").get<double>() >= previous_end - 1e-3);  // one thread: no overlap
    previous_end = e.at("ts").get<double>() + e.at("dur").get<double>();
    CHECK(e.at("args").is_object());
  }
  CHECK(events[0]["args"]["result"] == count);
  CHECK(events[1]["args"]["device"] == 0);
  CHECK_FALSE(events[1]["args"].contains("error"));
  CHECK(events[2]["args"]["result"] == 0);
  CHECK(events[3]["args"]["device"] == 0);
  CHECK(events[3]["args"]["result_stream"] == stream.id());
  CHECK(events[4]["args"]["device"] == 0);
  CHECK(events[4]["args"]["bytes"] == 256);
  CHECK(events[4]["args"]["result"] == handleText(block));
  CHECK(events[5]["args"]["device"] == count);
  CHECK(events[5]["args"]["error"] == error);
  CHECK(events[6]["cat"] == "exec");
  CHECK(events[6]["args"]["stream"] == stream.id());
  CHECK(events[6]["args"]["dst"] == handleText(block));
  CHECK(events[6]["args"]["value"] == 0x5A);
  CHECK(events[6]["args"]["bytes"] == 256);
  CHECK(events[8]["cat"] == "event");
  CHECK(events[8]["args"]["enable_timing"] == false);
  CHECK(events[8]["args"]["result"] == event);
  CHECK(events[9]["args"]["event"] == event);
  CHECK(events[9]["args"]["stream"] == stream.id());
  CHECK(events[11]["args"]["event"] == event);
  CHECK(events[12]["args"]["ptr"] == handleText(block));
  CHECK(events[13]["args"]["result"].contains("dram"));
  // The load itself is a mark naming the plugin.
  bool marked = false;
  for (const json& e : trace["traceEvents"]) {
    if (e["name"] == "plugin loaded") marked = e["args"]["plugin"] == MTIA_TEST_PLUGIN_NAME;
  }
  CHECK(marked);
  CHECK(trace["otherData"]["mtia_trace"]["dropped"] == 0);
}

TEST_CASE("A full trace ring buffer keeps the newest events and records how many it dropped", "[trace]") {
  TracedSample traced("ring.json", "8");
  const std::string& file = traced.file;
  const mtia::MTIAHooksInterface& hooks = traced.hooks;
  // The load's mark, then 20 calls: 21 records in 8 slots.
  for (int i = 0; i < 10; ++i) {
    hooks.getCurrentDevice();
    hooks.getCurrentStream(0);
  }
  REQUIRE(mtia::flushTrace());

  const json t = readTrace(file);
  const std::vector<json> kept = calls(t);
  REQUIRE(kept.size() == 8);
  for (size_t i = 0; i < kept.size(); ++i) {
    CHECK(kept[i]["name"] == (i % 2 == 0 ? "getCurrentDevice" : "getCurrentStream"));
  }
  std::vector<json> dropped;
  for (const json& e : t["traceEvents"]) {
    if (e.value("cat", "") == "mtia.trace" && e["name"] != "plugin loaded") dropped.push_back(e);
  }
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0]["name"] == "dropped 13 events");
  CHECK(dropped[0]["ph"] == "i");
  CHECK(dropped[0]["args"]["dropped"] == 13);
  CHECK(dropped[0]["args"]["capacity"] == 8);
  CHECK(t["otherData"]["mtia_trace"] == json{{"capacity", 8}, {"recorded", 8}, {"dropped", 13}});
}

TEST_CASE("Hooks traced from several threads are all recorded, each with its thread", "[trace]") {
  TracedSample traced("threads.json");
  const std::string& file = traced.file;
  const mtia::MTIAHooksInterface& hooks = traced.hooks;
  constexpr int kThreads = 4, kCalls = 300;
  std::vector<uint32_t> tids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      tids[t] = thisThread();
      for (int i = 0; i < kCalls; ++i) hooks.getCurrentDevice();
    });
  }
  for (int i = 0; i < 5; ++i) mtia::flushTrace();  // while they record
  for (std::thread& t : threads) t.join();
  REQUIRE(mtia::flushTrace());

  std::map<uint32_t, int> per_thread;
  for (const json& e : calls(readTrace(file))) {
    CHECK(e["name"] == "getCurrentDevice");
    ++per_thread[e["tid"].get<uint32_t>()];
  }
  REQUIRE(per_thread.size() == kThreads);
  for (uint32_t tid : tids) CHECK(per_thread[tid] == kCalls);
}

TEST_CASE("Without MTIA_TRACE a load traces nothing and writes no file", "[trace]") {
  TempDir dir;
  const std::string file = dir.path() + "/never.json";
  std::optional<ScopedEnv> tracing;
  tracing.emplace("MTIA_TRACE", file);
  tracing.reset();  // set, then removed before the load: the load reads it
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(samplePluginPath());
  hooks.getCurrentDevice();
  CHECK(mtia::flushTrace());  // nothing to write
  CHECK_FALSE(exists(file));
  // An empty value is "off" too.
  loader.unload();
  const ScopedEnv empty("MTIA_TRACE", std::string());
  loader.load(samplePluginPath()).getCurrentDevice();
  CHECK(mtia::flushTrace());
  CHECK_FALSE(exists(file));
}

TEST_CASE("A forked child never writes its parent's trace", "[trace]") {
  TracedSample traced("fork.json");
  const std::string& file = traced.file;
  const mtia::MTIAHooksInterface& hooks = traced.hooks;
  hooks.getCurrentDevice();
  REQUIRE(mtia::flushTrace());
  REQUIRE(exists(file));
  REQUIRE(unlink(file.c_str()) == 0);

  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Hooks fail at once in the child (the fork rule); the trace is off.
    try {
      hooks.getCurrentDevice();
    } catch (...) {
    }
    // flushTrace() is what the exit handler runs: it must write nothing.
    _exit(mtia::flushTrace() ? 1 : 0);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_FALSE(exists(file));
  // The parent goes on tracing.
  hooks.getCurrentDevice();
  REQUIRE(mtia::flushTrace());
  CHECK(names(calls(readTrace(file))) ==
        std::vector<std::string>{"getCurrentDevice", "getCurrentDevice"});
}

TEST_CASE("A relative MTIA_TRACE is refused with a logged reason and the load goes on untraced",
          "[trace]") {
  // mtia-info keeps the host's log off unless MTIA_LOG_LEVEL is set.
  TempDir dir;
  const mtia_test::ProcessResult r =
      mtia_test::runProcess({MTIA_INFO_PATH, "--check", samplePluginPath()},
                            {"MTIA_TRACE=relative-trace.json", "MTIA_LOG_LEVEL=error"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("[mtia] [error] MTIA_TRACE='relative-trace.json' is refused: the trace file "
                   "must be an absolute path; the plugin is loaded without tracing\n") !=
        std::string::npos);
  CHECK_FALSE(exists("relative-trace.json"));
}

TEST_CASE("A trace is written at exit, and mtia-info --check --trace records the self-test",
          "[trace]") {
  TempDir dir;
  SECTION("the exit handler writes the trace") {
    const std::string file = dir.path() + "/exit.json";
    const mtia_test::ProcessResult r = mtia_test::runProcess(
        {MTIA_INFO_PATH, "--check", samplePluginPath()}, {"MTIA_TRACE=" + file});
    CHECK(r.exit_code == 0);
    const std::vector<std::string> seen = names(calls(readTrace(file)));
    CHECK(std::count(seen.begin(), seen.end(), "deviceCount") >= 1);
  }
  SECTION("--trace FILE") {
    const std::string file = dir.path() + "/check.json";
    const mtia_test::ProcessResult r =
        mtia_test::runProcess({MTIA_INFO_PATH, "--check", samplePluginPath(), "--trace", file},
                              {"MTIA_TRACE"});
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("mtia-info: trace written to '" + file + "'") != std::string::npos);
    const std::vector<std::string> seen = names(calls(readTrace(file)));
    for (const char* hook : {"deviceCount", "getCurrentDevice", "setCurrentDevice",
                             "getCurrentStream", "deviceAlloc", "deviceFree"}) {
      INFO(hook);
      CHECK(std::count(seen.begin(), seen.end(), hook) >= 1);
    }
  }
}
