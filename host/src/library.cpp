#include "library.h"

#include <dlfcn.h>

namespace mtia::detail {

namespace {
// dlerror() text, copied at once (the next dl* call overwrites it).
std::string takeDlerror(const char* fallback) {
  const char* e = dlerror();
  return e != nullptr ? std::string(e) : std::string(fallback);
}
}  // namespace

Library Library::open(const std::string& path, std::string* error) {
  dlerror();  // clear any stale error
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr && error != nullptr) *error = takeDlerror("dlopen failed without a message");
  return Library(handle);
}

Library& Library::operator=(Library&& o) noexcept {
  if (this != &o) {
    close();
    handle_ = o.handle_;
    o.handle_ = nullptr;
  }
  return *this;
}

void* Library::symbol(const char* name, std::string* error) const {
  dlerror();
  void* sym = dlsym(handle_, name);
  if (sym == nullptr && error != nullptr) *error = takeDlerror("symbol is NULL");
  return sym;
}

void Library::close() noexcept {
  if (handle_ != nullptr) {
    dlclose(handle_);
    handle_ = nullptr;
  }
}

}  // namespace mtia::detail
