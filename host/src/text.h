// text.h — text that comes from a plugin (names, versions, error messages,
// log lines, exception texts, JSON results) is untrusted: it is read with a
// bounded length and made valid UTF-8 where it enters the host, so that every
// later use (what(), the load report, JSON output, the log) can rely on it.
// docs/loading.md §9 lists the caps.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mtia::detail {

// plugin_name and plugin_version: longer is a validate-step failure.
inline constexpr std::size_t kMaxPluginNameBytes = 256;
// An error message (get_last_error, the entry point's error sink, an escaped
// exception's what()) or a log line: longer is cut, with a note saying so.
inline constexpr std::size_t kMaxPluginMessageBytes = 64 * 1024;
// One JSON result written into a host sink: longer fails the hook.
inline constexpr std::size_t kMaxPluginJsonBytes = 64 * 1024 * 1024;

// `text` with every byte that is not part of a well-formed UTF-8 sequence
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF)
// replaced by U+FFFD.
std::string validUtf8(std::string_view text);

// A NUL-terminated plugin string, reading at most cap + 1 bytes of it, as
// valid UTF-8; longer than `cap`: its first `cap` bytes (whole characters)
// and " [truncated: longer than <cap> bytes]". NULL gives "".
std::string pluginText(const char* text, std::size_t cap = kMaxPluginMessageBytes);

// As pluginText, for text of a known length (e.g. collected from a sink).
std::string pluginText(std::string_view text, std::size_t cap = kMaxPluginMessageBytes);

}  // namespace mtia::detail
