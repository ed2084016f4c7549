// discovery_places.h — the folders manifest discovery searches, in order:
//   user    $XDG_CONFIG_HOME/mtia/plugins.d ($HOME/.config when XDG_CONFIG_HOME
//           is unset, empty or relative); skipped in secure-execution mode
//   system  /etc/mtia/plugins.d
//   prefix  <prefix>/share/mtia/plugins.d of the prefix libmtia_host.so is
//           installed in: its own folder plus the configure-time relative
//           path from the library directory to the data directory
#pragma once

#include <mtia/loader.h>

#include <string>
#include <vector>

namespace mtia::detail {

struct DiscoveryFolder {
  const char* name;       // "user", "system", "prefix"
  std::string directory;  // "" when it cannot be determined
  std::string skipped;    // why it is not searched ("" when it is)
};

std::vector<DiscoveryFolder> discoveryFolders(const LoadEnvironment& env);

// <library_dir>/<libdir_to_datadir>/mtia/plugins.d, normalised
// ("/opt/x/lib/x86_64-linux-gnu" + "../../share" gives "/opt/x/share/mtia/plugins.d").
std::string prefixPluginsDir(const std::string& library_dir, const std::string& libdir_to_datadir);

// "the user plugins folder '<dir>'" and the like.
std::string folderDescription(const std::string& name, const std::string& directory);

}  // namespace mtia::detail
