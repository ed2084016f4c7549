// environment.h — what the loader asks the operating system, through the
// replaceable LoadEnvironment (empty members ask the real system).
#pragma once

#include <mtia/loader.h>

#include <sys/stat.h>
#include <sys/types.h>

#include <string>

namespace mtia::detail {

bool secureExecution(const LoadEnvironment& env);
uid_t effectiveUid(const LoadEnvironment& env);
// stat(2); on failure returns errno (0 on success).
int statPath(const LoadEnvironment& env, const std::string& path, struct stat* out);

// An environment variable as secure_getenv reads it: nullptr when unset, or
// when the process (really or simulated) runs in secure-execution mode.
const char* readVariable(const LoadEnvironment& env, const char* name);

// "0755", "1777": the permission bits of a mode, in octal.
std::string modeText(mode_t mode);

}  // namespace mtia::detail
