#include "discovery.h"

#include "discovery_places.h"
#include "discovery_search.h"
#include "environment.h"
#include "log.h"
#include "step.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace mtia::detail {

namespace {

// The target of the symbolic link at `path`, or "" if it is not one.
std::string danglingTarget(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return "";
  std::string target(PATH_MAX, '\0');
  const ssize_t n = readlink(path.c_str(), target.data(), target.size());
  if (n <= 0) return "";
  target.resize(static_cast<size_t>(n));
  return target;
}

// "'<m>': <reason>; ..." for every candidate (none of them usable).
std::string unusableManifests(const LoadReport& report) {
  std::string list;
  for (const DiscoveryCandidate& c : report.candidates) {
    list += (list.empty() ? "'" : "; '") + c.manifest + "': " + c.reason;
  }
  return list;
}

// "the prefix plugins folder '<dir>'" of the candidate's place.
std::string foundIn(const LoadReport& report, const DiscoveryCandidate& candidate) {
  for (const DiscoveryPlace& place : report.discovery_places) {
    if (place.name == candidate.place) return folderDescription(place.name, place.directory);
  }
  return folderDescription(candidate.place, "");
}

}  // namespace

std::string configurePluginPath(const LoadEnvironment& env, LoadReport& report,
                                std::string* detail) {
  const char* value = readVariable(env, kPluginPathVariable);
  if (value == nullptr && std::getenv(kPluginPathVariable) != nullptr && secureExecution(env)) {
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true)) logger().warn("{}", kIgnoredInSecureMode);
    throw StepFailure(kIgnoredInSecureMode);
  }
  if (value != nullptr) {
    if (*value == '\0') throw StepFailure(kDiscoveryDisabled);
    report.source = kPluginPathVariable;
    *detail = std::string(kPluginPathVariable) + "='" + value + "'";
    return value;
  }
  report.source = "discovery";
  Discovery found = discoverManifest(env);
  report.discovery_places = std::move(found.places);
  report.candidates = std::move(found.candidates);
  const char* remedy =
      "; set it to the absolute path of an MTIA plugin library (.so) or manifest (.json)";
  if (found.taken < 0 && !report.candidates.empty()) {
    throw StepFailure("MTIA_PLUGIN_PATH is not set and no plugin manifest found is usable (" +
                      unusableManifests(report) + ")" + remedy);
  }
  if (found.taken < 0) {
    std::string searched;
    for (const DiscoveryPlace& place : report.discovery_places) {
      if (place.directory.empty()) continue;  // skipped
      searched += (searched.empty() ? "'" : ", '") + place.directory + "'";
    }
    throw StepFailure("MTIA_PLUGIN_PATH is not set and no plugin manifest was found in " +
                      searched + remedy + ", or install a manifest in one of those folders");
  }
  const DiscoveryCandidate& taken = report.candidates[static_cast<std::size_t>(found.taken)];
  *detail = "MTIA_PLUGIN_PATH is not set; discovery took '" + taken.manifest + "' (" +
            taken.reason + ") in " + foundIn(report, taken);
  return taken.manifest;
}

std::string noPluginReason(const std::string& cause, const LoadReport& report) {
  const std::string prefix = "No MTIA plugin is configured: ";
  if (cause == kIgnoredInSecureMode) return prefix + cause + ".";
  if (cause == kDiscoveryDisabled) {
    return prefix +
           "MTIA_PLUGIN_PATH is empty, which disables plugin discovery; set it to the absolute "
           "path of an MTIA plugin library, or unset it to search the plugins.d folders.";
  }
  if (!report.candidates.empty()) {
    return prefix + "no plugin manifest found is usable (" + unusableManifests(report) +
           "); set MTIA_PLUGIN_PATH to the absolute path of an MTIA plugin library.";
  }
  return prefix + "set MTIA_PLUGIN_PATH to the absolute path of an MTIA plugin library.";
}

std::string foundBy(const LoadReport& report) {
  if (report.source != "discovery") return report.source == kPluginPathVariable ? report.source : "";
  for (const DiscoveryCandidate& c : report.candidates) {
    if (c.verdict == CandidateVerdict::Taken) return "a manifest in " + foundIn(report, c);
  }
  return "";
}

bool isManifestPath(const std::string& path) {
  constexpr std::size_t n = 5;  // ".json"
  return path.size() > n && path.compare(path.size() - n, n, ".json") == 0 &&
         path[path.size() - n - 1] != '/';
}

LocatedFile locateFile(const LoadEnvironment& env, const std::string& path) {
  if (path.empty()) throw StepFailure("the plugin path is empty");
  if (path.find('\0') != std::string::npos) {
    throw StepFailure("the plugin path contains a NUL character");
  }
  if (path.front() != '/') {
    throw StepFailure(
        "the plugin path must be absolute (a relative path or bare name would let the dynamic "
        "linker search LD_LIBRARY_PATH and the system cache)");
  }
  const std::unique_ptr<char, decltype(&std::free)> resolved(realpath(path.c_str(), nullptr),
                                                             &std::free);
  if (resolved == nullptr) {
    const int err = errno;
    const std::string target = err == ENOENT ? danglingTarget(path) : "";
    if (!target.empty()) {
      throw StepFailure("'" + path + "' is a dangling symbolic link: its target '" + target +
                        "' does not exist");
    }
    std::string cause = "cannot resolve '" + path + "': " + std::strerror(err);
    if (err == ENOENT && path.find(':') != std::string::npos) {
      cause += " (MTIA_PLUGIN_PATH names one plugin; ':'-separated lists are not supported)";
    }
    throw StepFailure(cause);
  }
  LocatedFile file;
  file.path = resolved.get();
  if (const int err = statPath(env, file.path, &file.st); err != 0) {
    throw StepFailure("cannot stat '" + file.path + "': " + std::strerror(err));
  }
  if (!S_ISREG(file.st.st_mode)) {
    throw StepFailure("'" + file.path + "' is not a regular file" +
                      (S_ISDIR(file.st.st_mode) ? " (it is a directory)" : ""));
  }
  return file;
}

std::string parentDirectory(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

}  // namespace mtia::detail
