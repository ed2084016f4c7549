// mtia/plugin_support.hpp — optional C++17 helpers for plugin authors.
//
// Header-only and not part of the ABI: a plugin may ignore it. It provides the
// two things every C++ plugin needs at the boundary:
//   * a per-thread "last error" (code + message) behind get_last_error();
//   * guard(): runs a lambda, turns any exception into a status code plus a
//     message, so no exception ever crosses into the host.
//
//   mtia_status_t my_set_current_device(int32_t d) {
//     return mtia::plugin::guard([&] { state().set_device(d); });
//   }
//   int32_t my_get_current_device() {
//     return mtia::plugin::guard_value<int32_t>(-1, [&] { return state().device(); });
//   }
//
// Inside the lambda, report failures by throwing mtia::plugin::Failure.
#ifndef MTIA_PLUGIN_SUPPORT_HPP
#define MTIA_PLUGIN_SUPPORT_HPP

#include <mtia/plugin_abi.h>

#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

namespace mtia::plugin {

// The exception a plugin throws internally to fail a call with a given code.
class Failure : public std::runtime_error {
 public:
  Failure(mtia_status_t code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  mtia_status_t code() const noexcept { return code_; }

 private:
  mtia_status_t code_;
};

// The calling thread's last failure. The message buffer is reused, so the
// pointer get_last_error() hands out (message.c_str()) stays valid until the
// next failure on this thread.
struct LastError {
  mtia_status_t code = MTIA_STATUS_OK;
  std::string message;

  static LastError& current() noexcept {
    static thread_local LastError error;
    return error;
  }
  // Records a failure; never throws (a message that cannot be stored is cut).
  static mtia_status_t set(mtia_status_t code, const char* text) noexcept {
    LastError& e = current();
    e.code = code;
    try {
      e.message.assign(text);
    } catch (...) {
      e.message.clear();  // clear() never allocates
    }
    return code;
  }
};

// The get_last_error slot, ready to put in a table.
inline mtia_status_t get_last_error(const char** message) noexcept {
  const LastError& e = LastError::current();
  if (message != nullptr) *message = e.message.c_str();
  return e.code;
}

// Converts the exception in flight into a status (call only inside catch).
inline mtia_status_t status_from_current_exception() noexcept {
  try {
    throw;
  } catch (const Failure& f) {
    return LastError::set(f.code(), f.what());
  } catch (const std::bad_alloc&) {
    return LastError::set(MTIA_STATUS_OUT_OF_MEMORY, "host memory exhausted inside the plugin");
  } catch (const std::exception& e) {
    return LastError::set(MTIA_STATUS_INTERNAL, e.what());
  } catch (...) {
    return LastError::set(MTIA_STATUS_INTERNAL, "unknown exception inside the plugin");
  }
}

// Runs fn(); returns MTIA_STATUS_OK, or the failure's code with the message
// recorded for get_last_error().
template <class Fn>
mtia_status_t guard(Fn&& fn) noexcept {
  try {
    std::forward<Fn>(fn)();
    return MTIA_STATUS_OK;
  } catch (...) {
    return status_from_current_exception();
  }
}

// Runs fn() and returns its value, or `on_error` after recording the failure.
template <class T, class Fn>
T guard_value(T on_error, Fn&& fn) noexcept {
  try {
    return std::forward<Fn>(fn)();
  } catch (...) {
    status_from_current_exception();
    return on_error;
  }
}

// Writes a string to a host sink (NULL sink: nothing is written).
inline void write_to(const mtia_sink_t* sink, const std::string& text) noexcept {
  if (sink != nullptr && sink->write != nullptr) sink->write(sink->user_data, text.data(), text.size());
}

}  // namespace mtia::plugin

#endif  // MTIA_PLUGIN_SUPPORT_HPP
