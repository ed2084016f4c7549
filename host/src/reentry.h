// reentry.h — a plugin calling back into the host's first-use load.
//
// While a loader runs a plugin's entry point and initialize(), the thread is
// marked. getMTIAHooks()'s first-use path on a marked thread does not enter
// std::call_once (which would wait for itself forever): it records the
// re-entry, which fails the load, and answers the stub.
#pragma once

namespace mtia::detail {

// True, and the running load is failed, when this thread is inside a
// loader's call of plugin code.
bool noteReentry() noexcept;

}  // namespace mtia::detail
