// step.h — how a load step reports failure. A step function throws
// StepFailure with the cause; the loader turns it into LoadError(step, path,
// cause) and records it in the load report.
#pragma once

#include <stdexcept>
#include <string>

namespace mtia::detail {

class StepFailure : public std::runtime_error {
 public:
  explicit StepFailure(const std::string& cause) : std::runtime_error(cause) {}
};

}  // namespace mtia::detail
