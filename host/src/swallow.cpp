#include "swallow.h"

#include "escaped.h"
#include "log.h"
#include "unloaded.h"

#include <mtia/errors.h>

namespace mtia::detail {

void logSwallowed(const char* context, spdlog::level::level_enum level) noexcept {
  try {
    try {
      throw;
    } catch (const PluginError& e) {
      if (isStandInFailure(e)) return;
      logger().log(level, "{}: {}", context, e.what());
    } catch (const Error& e) {  // the host's own text
      logger().log(level, "{}: {}", context, e.what());
    } catch (...) {
      logger().log(level, "{}: {}", context, currentException());
    }
  } catch (...) {
    // Out of memory while logging: nothing more can be done here.
  }
}

}  // namespace mtia::detail
