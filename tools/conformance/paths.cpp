#include "suite.h"

#include <unistd.h>

#include <climits>

namespace mtia_conformance {

std::string commandLinePath(const std::string& typed) {
  if (typed.empty() || typed.front() == '/') return typed;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return typed;
  std::string relative = typed;
  while (relative.size() > 2 && relative.compare(0, 2, "./") == 0) {
    relative.erase(0, relative.find_first_not_of('/', 2));
  }
  const std::string directory = cwd;
  return (directory == "/" ? "" : directory) + "/" + relative;
}

}  // namespace mtia_conformance
