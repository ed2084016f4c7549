// conformance.h — mtia-conformance: behavioural checks of a plugin's hook
// groups, run through the host exactly as PyTorch would call them.
#pragma once

#include <mtia/hooks.h>
#include <mtia/loader.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mtia_conformance {

using Hooks = mtia::MTIAHooksInterface;

// What a check sees: the hooks, the plugin's description and its device count.
struct Subject {
  const Hooks& hooks;
  const mtia::PluginInfo& info;
  int devices;
};

// A behaviour that did not hold; the text says what was expected and seen.
struct Violation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A check that cannot run against this plugin (e.g. it needs two devices).
struct NotApplicable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Check {
  const char* name;
  std::function<void(const Subject&)> run;  // throws Violation, NotApplicable or mtia::Error
};

struct Group {
  const char* name;
  std::vector<Check> checks;
};

// Every group, in report order: device, stream, memory, graph.
std::vector<Group> conformanceGroups();

}  // namespace mtia_conformance
