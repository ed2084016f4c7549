// library.h — an owned dlopen handle.
#pragma once

#include <string>

namespace mtia::detail {

class Library {
 public:
  Library() noexcept = default;
  // dlopen(path, RTLD_NOW | RTLD_LOCAL). On failure returns an empty Library
  // and stores dlerror()'s text in *error.
  static Library open(const std::string& path, std::string* error);
  Library(Library&& o) noexcept : handle_(o.handle_) { o.handle_ = nullptr; }
  Library& operator=(Library&& o) noexcept;
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  ~Library() { close(); }

  // dlsym(name); nullptr when absent, with dlerror()'s text in *error.
  void* symbol(const char* name, std::string* error) const;
  void close() noexcept;
  // Forgets the handle without dlclose (a forked child must not run the
  // plugin's ELF destructors: they may wait for threads the child lacks).
  void leak() noexcept { handle_ = nullptr; }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  // The dlopen handle: equal for every open of the same file, by any path.
  const void* handle() const noexcept { return handle_; }

 private:
  explicit Library(void* handle) noexcept : handle_(handle) {}
  void* handle_ = nullptr;
};

}  // namespace mtia::detail
