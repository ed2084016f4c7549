// mtia/trace.h — the tracing layer (docs/tracing.md).
//
// With MTIA_TRACE=/abs/path/trace.json in the environment, every plugin load
// (getMTIAHooks(), PluginLoader) hands out a tracing decorator instead of the
// adapter: each hook call, and each piece of work submitted through StreamExec
// and Event, is recorded (thread, name, arguments, result or error, start and
// duration) in a ring buffer of MTIA_TRACE_EVENTS records (default 65536).
// The trace is written in the Chrome Trace Event format (Perfetto,
// chrome://tracing) at exit and by flushTrace(). Without MTIA_TRACE nothing
// changes: the adapter itself is handed out.
#pragma once

#include <mtia/export.h>

namespace mtia {

// Writes every trace of this process to its file now (the whole ring buffer,
// replacing the file; tracing goes on). True when each was written (or there
// is none); false when one could not be written (the reason is logged) or in
// a forked child, which never writes its parent's trace. Never throws.
MTIA_HOST_API bool flushTrace() noexcept;

}  // namespace mtia
