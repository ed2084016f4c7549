#include "discovery_search.h"

#include "discovery.h"
#include "discovery_places.h"
#include "elf_inspect.h"
#include "manifest.h"
#include "security.h"
#include "step.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace mtia::detail {

namespace {

struct DirCloser {
  void operator()(DIR* d) const noexcept { closedir(d); }
};

// The manifest file names in `dir`, sorted; sets *status.
std::vector<std::string> manifestNames(const std::string& dir, std::string* status) {
  std::vector<std::string> names;
  const std::unique_ptr<DIR, DirCloser> d(opendir(dir.c_str()));
  if (d == nullptr) {
    const int err = errno;
    *status = err == ENOENT    ? "does not exist"
              : err == ENOTDIR ? "is not a directory"
                               : std::string("cannot be read: ") + std::strerror(err);
    return names;
  }
  while (const dirent* entry = readdir(d.get())) {
    const std::string name = entry->d_name;
    if (name[0] != '.' && isManifestPath("/" + name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  *status = names.empty()       ? "no manifests"
            : names.size() == 1 ? "1 manifest"
                                : std::to_string(names.size()) + " manifests";
  return names;
}

// Runs one check as the load would; a failure becomes "<step> failed: <cause>".
template <class Fn>
auto check(LoadStep step, Fn&& fn) {
  try {
    return fn();
  } catch (const StepFailure& e) {
    throw StepFailure(std::string(loadStepName(step)) + " failed: " + e.what());
  } catch (const std::exception& e) {
    throw StepFailure(std::string(loadStepName(step)) + " failed: the host failed: " + e.what());
  }
}

// Vets the candidate as the load steps before dlopen do; throws StepFailure.
void vet(const LoadEnvironment& env, DiscoveryCandidate& candidate) {
  const Manifest manifest = check(LoadStep::Manifest, [&] {
    const LocatedFile file = locateFile(env, candidate.manifest);
    checkSecurity(env, file.path);
    return parseManifest(readManifestFile(file.path), parentDirectory(file.path));
  });
  candidate.priority = manifest.priority;
  const LocatedFile library =
      check(LoadStep::Locate, [&] { return locateFile(env, manifest.library); });
  check(LoadStep::Security, [&] { return checkSecurity(env, library.path); });
  check(LoadStep::Inspect, [&] { return inspectElfFile(library.path); });
}

// Why `other` (usable) lost to `taken`; both in search order, `taken` ranked first.
std::string outrankedBecause(const DiscoveryCandidate& taken, const DiscoveryCandidate& other) {
  std::string why = "'" + taken.manifest + "' ranks higher: ";
  if (taken.priority != other.priority) {
    return why + "priority " + std::to_string(taken.priority) + " against " +
           std::to_string(other.priority);
  }
  why += "the same priority " + std::to_string(taken.priority);
  return taken.place != other.place ? why + ", in an earlier folder (" + taken.place + ")"
                                    : why + " in the same folder, and its file name sorts first";
}

}  // namespace

Discovery discoverManifest(const LoadEnvironment& env) {
  Discovery found;
  for (const DiscoveryFolder& folder : discoveryFolders(env)) {
    DiscoveryPlace place{folder.name, folder.directory, folder.skipped};
    if (folder.skipped.empty()) {
      for (const std::string& name : manifestNames(folder.directory, &place.status)) {
        found.candidates.push_back(
            {folder.name, folder.directory + "/" + name, 0, CandidateVerdict::Skipped, ""});
      }
    }
    found.places.push_back(std::move(place));
  }
  std::vector<DiscoveryCandidate>& candidates = found.candidates;
  std::size_t usable = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    try {
      vet(env, candidates[i]);
      candidates[i].verdict = CandidateVerdict::Outranked;
      ++usable;
      if (found.taken < 0 || candidates[i].priority > candidates[found.taken].priority) {
        found.taken = static_cast<int>(i);
      }
    } catch (const StepFailure& e) {
      candidates[i].reason = e.what();
    }
  }
  if (found.taken < 0) return found;
  DiscoveryCandidate& taken = candidates[found.taken];
  taken.verdict = CandidateVerdict::Taken;
  taken.reason = usable == 1 ? "the only usable manifest"
                             : "the highest-ranked of " + std::to_string(usable) +
                                   " usable manifests";
  for (DiscoveryCandidate& candidate : candidates) {
    if (candidate.verdict == CandidateVerdict::Outranked) {
      candidate.reason = outrankedBecause(taken, candidate);
    }
  }
  return found;
}

}  // namespace mtia::detail
