#include "environment.h"

#include <sys/auxv.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace mtia::detail {

bool secureExecution(const LoadEnvironment& env) {
  return env.secure_execution ? env.secure_execution() : getauxval(AT_SECURE) != 0;
}

uid_t effectiveUid(const LoadEnvironment& env) {
  return env.effective_uid ? env.effective_uid() : geteuid();
}

int statPath(const LoadEnvironment& env, const std::string& path, struct stat* out) {
  errno = 0;
  const int rc = env.stat ? env.stat(path.c_str(), out) : ::stat(path.c_str(), out);
  return rc == 0 ? 0 : (errno != 0 ? errno : EIO);
}

const char* readVariable(const LoadEnvironment& env, const char* name) {
  if (env.secure_execution && env.secure_execution()) return nullptr;
  return secure_getenv(name);
}

std::string modeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace mtia::detail
