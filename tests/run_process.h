// run_process.h — runs a program as a child process and captures its output,
// for tests of the command-line tools and of what the host logs.
#pragma once

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace mtia_test {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when the child was killed by a signal
  std::string out;     // everything it wrote to stdout
  std::string err;     // everything it wrote to stderr
};

// Runs argv[0] with this process's environment, changed by `env`: "NAME=value"
// sets a variable, "NAME" alone removes it.
inline ProcessResult runProcess(const std::vector<std::string>& argv,
                                const std::vector<std::string>& env = {}) {
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) environment.emplace_back(*e);
  for (const std::string& change : env) {
    const std::string name = change.substr(0, change.find('='));
    environment.erase(
        std::remove_if(environment.begin(), environment.end(),
                       [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; }),
        environment.end());
    if (change.find('=') != std::string::npos) environment.push_back(change);
  }
  const auto pointers = [](std::vector<std::string>& strings) {
    std::vector<char*> p;
    for (std::string& s : strings) p.push_back(s.data());
    p.push_back(nullptr);
    return p;
  };
  std::vector<std::string> args = argv;
  std::vector<char*> arg_p = pointers(args), env_p = pointers(environment);

  char out_path[] = "/tmp/mtia-test-out-XXXXXX";
  char err_path[] = "/tmp/mtia-test-err-XXXXXX";
  const int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("mkstemp failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, arg_p[0], &actions, nullptr, arg_p.data(), env_p.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  close(err_fd);

  ProcessResult result;
  int status = 0;
  if (spawned == 0 && waitpid(pid, &status, 0) == pid) {
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  const auto slurp = [](const char* path) {
    std::ostringstream text;
    text << std::ifstream(path).rdbuf();
    unlink(path);
    return text.str();
  };
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  if (spawned != 0) {
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(spawned));
  }
  return result;
}

}  // namespace mtia_test
