// sink.h — the host's one text sink (mtia_sink_t) for results the plugin
// writes: JSON results of every JSON slot and the entry point's error text.
//
// write() never throws into the plugin and never reads past what it keeps.
// Every misuse is remembered and turns the call into an error on its hook:
// write(NULL, n > 0), more than the cap in total (one huge size included;
// size arithmetic cannot overflow), and two threads writing at once. Bytes
// beyond the cap are never read; nothing is allocated beyond the cap.
#pragma once

#include <mtia/plugin_abi.h>

#include <atomic>
#include <cstddef>
#include <string>

namespace mtia::detail {

class StringSink {
 public:
  explicit StringSink(std::size_t cap) : cap_(cap) {}
  StringSink(const StringSink&) = delete;
  StringSink& operator=(const StringSink&) = delete;

  // Hand this to the plugin; valid while the StringSink lives.
  const mtia_sink_t* sink() const noexcept { return &sink_; }

  // "" when every write was proper, else what went wrong first:
  //   "the plugin called the sink's write() with NULL data and size 5"
  //   "the plugin wrote more than the 67108864-byte cap on JSON results"
  //   "the plugin called the sink's write() from two threads at once"
  //   "the host ran out of memory storing the plugin's JSON results"
  std::string problem() const;
  const std::string& text() const noexcept { return text_; }

  // What the cap is for, in problem(): "JSON results" (default), "error text".
  void describe(const char* what) noexcept { what_ = what; }

 private:
  enum class Problem { None, NullData, OverCap, OutOfMemory };
  static void write(void* self, const char* data, std::size_t size) noexcept;
  void fail(Problem problem, std::size_t size) noexcept;

  const std::size_t cap_;
  const char* what_ = "JSON results";
  std::string text_;
  Problem problem_ = Problem::None;  // the first one
  std::size_t problem_size_ = 0;     // the size of the write that caused it
  std::atomic<bool> busy_{false};
  std::atomic<bool> concurrent_{false};
  mtia_sink_t sink_{this, &StringSink::write};
};

}  // namespace mtia::detail
