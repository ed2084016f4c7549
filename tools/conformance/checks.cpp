// checks.cpp — every check, in report order.
#include "support.h"

namespace mtia_conformance {

const std::vector<Check>& allChecks() {
  static const std::vector<Check> checks = [] {
    std::vector<Check> all;
    for (auto group : {deviceChecks, streamChecks, execChecks, eventChecks, memoryChecks,
                       graphChecks, threadChecks}) {
      for (Check& c : group()) all.push_back(std::move(c));
    }
    return all;
  }();
  return checks;
}

}  // namespace mtia_conformance
