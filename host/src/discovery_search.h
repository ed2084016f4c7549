// discovery_search.h — manifest discovery: every *.json manifest in the
// discovery folders (discovery_places.h) becomes a candidate; each is vetted
// with the load's own checks up to, not including, dlopen (manifest, then its
// library's locate, security and inspect steps), so no plugin code runs. Of
// the usable ones the highest "priority" is taken; ties go to the earlier
// folder, then to the file name that sorts first (byte order). A candidate
// that fails a check is skipped, with the failed step and cause, and the next
// is tried; once the taken one's code runs, its failure is the load's.
#pragma once

#include <mtia/loader.h>

#include <string>
#include <vector>

namespace mtia::detail {

struct Discovery {
  std::vector<DiscoveryPlace> places;
  std::vector<DiscoveryCandidate> candidates;  // in search order: folder, then file name
  int taken = -1;  // the index of the taken candidate; -1 when none is usable
};

Discovery discoverManifest(const LoadEnvironment& env);

}  // namespace mtia::detail
