// harness.cpp — mtia_startup: the start-up row. Launches two programs many
// times, alternating, and reports the median CPU time of a launch (the
// child's user + system time from wait4: exec, the dynamic linker,
// relocations, constructors, main, exit) of each, and the median wall time
// (spawn to exit status), which on a shared machine mostly measures the wait
// for a core:
//   Startup/host  host_process.cpp: links libmtia_host, getMTIAHooks() loads the plugin
//   Startup/bare  bare_process.cpp: dlopen + dlsym + entry call of the same plugin
// Target (bench/report.py): host at most 1.3x bare, on the CPU-time medians.
//
//   mtia_startup [--runs N] [--out FILE] [--count yes|no] [--host EXE] [--bare EXE]
//                [--plugin SO]
//
// --runs     launches of each program (default 200), after one warm-up each
// --out      also writes the medians as Google Benchmark JSON (for report.py)
// --count    yes: also runs each program once under valgrind --tool=callgrind
//            and reports the instructions of the whole launch (ld.so, the
//            libraries' constructors, main, exit): the stable figure beside
//            the noisy times (needs valgrind on PATH)
// --host, --bare, --plugin  default to the programs and the sample plugin of
//            this build; --host from another build directory measures that
//            build's libmtia_host (docs/performance.md).
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Launch {
  double cpu_ns;
  double wall_ns;
};

struct Program {
  const char* name;
  std::string path;
  std::vector<double> cpu_ns, wall_ns;
  double instructions = -1;  // of one whole launch under callgrind; -1: not counted
};

double ns(const timeval& t) { return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_usec) * 1e3; }

// One launch: spawn with stdout/stderr to /dev/null, wait.
Launch launch(const std::string& path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int error = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error("cannot start " + path + ": " + std::strerror(error));
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) throw std::runtime_error("wait4 failed for " + path);
  const auto end = std::chrono::steady_clock::now();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(path + " failed (run it with MTIA_PLUGIN_PATH set to see why)");
  }
  return {ns(usage.ru_utime) + ns(usage.ru_stime),
          std::chrono::duration<double, std::nano>(end - start).count()};
}

// The instructions of one whole launch under callgrind (its "totals:" line).
double countInstructions(const std::string& path) {
  char dump[] = "/tmp/mtia_startup_callgrind.XXXXXX";
  const int fd = mkstemp(dump);
  if (fd < 0) throw std::runtime_error(std::string("mkstemp failed: ") + std::strerror(errno));
  close(fd);
  const std::string out = std::string("--callgrind-out-file=") + dump;
  char* argv[] = {const_cast<char*>("valgrind"), const_cast<char*>("--tool=callgrind"),
                  const_cast<char*>("-q"), const_cast<char*>(out.c_str()),
                  const_cast<char*>(path.c_str()), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, "valgrind", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (error != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    unlink(dump);
    throw std::runtime_error("valgrind --tool=callgrind " + path + " failed (--count no skips the count)");
  }
  std::ifstream in(dump);
  std::string line;
  double total = -1;
  while (std::getline(in, line)) {
    if (line.rfind("totals: ", 0) == 0) total = std::atof(line.c_str() + 8);
  }
  unlink(dump);
  if (total < 0) throw std::runtime_error("no totals in the callgrind dump of " + path);
  return total;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double at = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(at);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (at - static_cast<double>(lo));
}

void writeJson(const std::string& file, const std::vector<Program>& programs, int runs) {
  std::ofstream out(file);
  out.precision(10);
  out << "{\n  \"context\": {\"runs\": " << runs << "},\n  \"benchmarks\": [\n";
  for (size_t i = 0; i < programs.size(); ++i) {
    const Program& p = programs[i];
    out << "    {\"name\": \"Startup/" << p.name << "_median\", \"run_name\": \"Startup/" << p.name
        << "\", \"run_type\": \"aggregate\", \"aggregate_name\": \"median\", \"cpu_time\": "
        << quantile(p.cpu_ns, 0.5) << ", \"cpu_q1\": " << quantile(p.cpu_ns, 0.25)
        << ", \"cpu_q3\": " << quantile(p.cpu_ns, 0.75) << ", \"real_time\": " << quantile(p.wall_ns, 0.5)
        << ", \"time_unit\": \"ns\", \"path\": \"" << p.path << "\"";
    if (p.instructions >= 0) out << ", \"instructions\": " << p.instructions;
    out << "}"
        << (i + 1 < programs.size() ? "," : "") << "\n";
  }
  out << "  ]\n}\n";
  if (!out) throw std::runtime_error("cannot write " + file);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 200;
  bool count = false;
  std::string out_file, plugin = MTIA_SAMPLE_PLUGIN_PATH;
  std::vector<Program> programs = {{"host", MTIA_STARTUP_HOST_PATH, {}, {}},
                                   {"bare", MTIA_STARTUP_BARE_PATH, {}, {}}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "mtia_startup: '%s' needs a value (see the comment in harness.cpp)\n", argv[i]);
      return 1;
    }
    const std::string value = argv[++i];
    if (arg == "--runs") runs = std::max(1, std::atoi(value.c_str()));
    else if (arg == "--out") out_file = value;
    else if (arg == "--count" && (value == "yes" || value == "no")) count = value == "yes";
    else if (arg == "--host") programs[0].path = value;
    else if (arg == "--bare") programs[1].path = value;
    else if (arg == "--plugin") plugin = value;
    else {
      std::fprintf(stderr, "mtia_startup: unknown argument '%s'\n", arg.c_str());
      return 1;
    }
  }
  setenv("MTIA_PLUGIN_PATH", plugin.c_str(), 1);
  try {
    for (Program& p : programs) launch(p.path);  // warm-up: page cache, ld.so cache
    for (int r = 0; r < runs; ++r) {
      // Alternate which goes first, so neither always follows the other.
      for (size_t k = 0; k < programs.size(); ++k) {
        Program& p = programs[(k + static_cast<size_t>(r)) % programs.size()];
        const Launch l = launch(p.path);
        p.cpu_ns.push_back(l.cpu_ns);
        p.wall_ns.push_back(l.wall_ns);
      }
    }
    for (const Program& p : programs) {
      std::printf("Startup/%s: CPU median %.1f us (q1 %.1f, q3 %.1f), wall median %.1f us, %d launches\n",
                  p.name, quantile(p.cpu_ns, 0.5) / 1e3, quantile(p.cpu_ns, 0.25) / 1e3,
                  quantile(p.cpu_ns, 0.75) / 1e3, quantile(p.wall_ns, 0.5) / 1e3, runs);
    }
    std::printf("host/bare (CPU): %.2fx\n",
                quantile(programs[0].cpu_ns, 0.5) / quantile(programs[1].cpu_ns, 0.5));
    if (count) {
      for (Program& p : programs) {
        p.instructions = countInstructions(p.path);
        std::printf("Startup/%s: %.0f instructions per launch (callgrind)\n", p.name, p.instructions);
      }
      std::printf("host/bare (instructions): %.2fx\n", programs[0].instructions / programs[1].instructions);
    }
    if (!out_file.empty()) writeJson(out_file, programs, runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mtia_startup: %s\n", e.what());
    return 1;
  }
  return 0;
}
