#include "discovery.h"

#include <mtia/loader.h>

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace mtia::detail {

std::optional<std::string> configuredPluginPath() {
  const char* value = secure_getenv(kPluginPathVariable);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string locatePlugin(const std::string& path) {
  if (path.empty()) throw LoadError(LoadStep::Locate, path, "the plugin path is empty");
  if (path.front() != '/') {
    throw LoadError(LoadStep::Locate, path,
                    "the plugin path must be absolute (a relative path or bare name would let "
                    "the dynamic linker search LD_LIBRARY_PATH and the system cache)");
  }
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) {
    const int err = errno;
    throw LoadError(LoadStep::Locate, path,
                    std::string("cannot resolve the path: ") + std::strerror(err));
  }
  struct stat st {};
  if (stat(resolved, &st) != 0) {
    const int err = errno;
    throw LoadError(LoadStep::Locate, path, std::string("cannot stat '") + resolved +
                                                "': " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    throw LoadError(LoadStep::Locate, path,
                    std::string("'") + resolved + "' is not a regular file" +
                        (S_ISDIR(st.st_mode) ? " (it is a directory)" : ""));
  }
  return resolved;
}

}  // namespace mtia::detail
