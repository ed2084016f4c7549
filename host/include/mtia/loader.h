// mtia/loader.h — loading a plugin explicitly (tests, tools), what the global
// loader found, and the load report that says why a plugin did or did not load.
//
// The steps of a load, in order (each failure is a LoadError naming its step;
// docs/loading.md lists every rule and every message):
//   configure   read MTIA_PLUGIN_PATH with secure_getenv, or, when it is unset, discover
//               a manifest in the plugins.d folders (loadFromEnvironment only)
//   manifest    a path ending in ".json" is a manifest: read it, find the library
//   locate      the library path is absolute, resolves (realpath), is a regular file
//   security    the file and its directory cannot be changed by other users
//   inspect     the file is an ELF shared library for this process (class, machine, size)
//   open        dlopen(RTLD_NOW | RTLD_LOCAL); the library is not already loaded
//   resolve     dlsym(MTIA_PLUGIN_ENTRY_SYMBOL)
//   query       call the entry point with the host services; get the table
//   negotiate   ABI major equal, minor inside the host's window (and as the manifest says)
//   validate    struct_size covers the claimed minor; plugin_name and required slots present
//   initialize  the plugin's initialize() slot
#pragma once

#include <mtia/errors.h>
#include <mtia/export.h>
#include <mtia/hooks.h>

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mtia {

enum class LoadStep {
  Configure,
  Manifest,
  Locate,
  Security,
  Inspect,
  Open,
  Resolve,
  Query,
  Negotiate,
  Validate,
  Initialize,
};

// "configure", "manifest", "locate", "security", "inspect", "open", "resolve",
// "query", "negotiate", "validate", "initialize".
MTIA_HOST_API const char* loadStepName(LoadStep step) noexcept;

// what(): "cannot load MTIA plugin '<path>': <step> failed: <cause>"
// ("cannot load MTIA plugin: configure failed: <cause>" when there is no path).
class MTIA_HOST_API LoadError : public Error {
 public:
  LoadError(LoadStep step, std::string path, std::string cause);
  LoadStep step() const noexcept { return step_; }
  const std::string& path() const noexcept { return path_; }
  const std::string& cause() const noexcept { return cause_; }

 private:
  LoadStep step_;
  std::string path_, cause_;
};

// ---- the load report -------------------------------------------------------

enum class StepVerdict {
  Passed,      // "ok"
  Overridden,  // "overridden": passed only because MTIA_PLUGIN_ALLOW_INSECURE waived a rule
  Failed,      // "failed": the load stopped here
};
MTIA_HOST_API const char* stepVerdictName(StepVerdict verdict) noexcept;

struct LoadReportStep {
  LoadStep step = LoadStep::Configure;
  StepVerdict verdict = StepVerdict::Passed;
  std::string detail;  // what was checked and found; for a failed step, the cause
};

// ---- manifest discovery (MTIA_PLUGIN_PATH unset; docs/loading.md §2) --------

// One folder discovery searched, in search order: "user"
// ($XDG_CONFIG_HOME/mtia/plugins.d), "system" (/etc/mtia/plugins.d), "prefix"
// (<prefix>/share/mtia/plugins.d of the installed host library).
struct DiscoveryPlace {
  std::string name;       // "user", "system", "prefix"
  std::string directory;  // "" when it could not be determined
  std::string status;     // "2 manifests", "does not exist", "skipped: <why>", ...
};

enum class CandidateVerdict {
  Taken,      // "taken": the highest-ranked usable manifest; the load goes on with it
  Outranked,  // "outranked": usable, but a higher-ranked manifest was taken
  Skipped,    // "skipped": the manifest or its library failed a check before dlopen
};
MTIA_HOST_API const char* candidateVerdictName(CandidateVerdict verdict) noexcept;

// One manifest found in a discovery folder, and why it was or was not taken.
struct DiscoveryCandidate {
  std::string place;     // the DiscoveryPlace's name
  std::string manifest;  // its path in that folder
  int32_t priority = 0;  // as the manifest says; 0 when it says nothing or was not read
  CandidateVerdict verdict = CandidateVerdict::Skipped;
  std::string reason;    // why: "<step> failed: <cause>", or what outranked it
};

// One load attempt, step by step. Only the steps that ran are listed; when the
// load failed, the last one is the failed step.
struct MTIA_HOST_API LoadReport {
  // How the path was chosen: "argument" (load(path)), "MTIA_PLUGIN_PATH", or
  // "discovery" (the variable was unset; `candidates` says which was taken).
  std::string source;
  std::vector<DiscoveryPlace> discovery_places;  // empty unless discovery ran
  std::vector<DiscoveryCandidate> candidates;    // every manifest found, in rank order
  std::string path_given;     // the path as configured or passed to load()
  std::string manifest_path;  // the manifest's real path; "" unless the path named a manifest
  std::string path_resolved;  // realpath() of the library; "" until it was located
  std::string host_abi;       // the host's ABI window, e.g. "1.0-1.1"
  std::string plugin_abi;     // the ABI the plugin's table declares, "" until queried
  std::string plugin_name;    // from the table, "" until queried
  std::string plugin_version;
  std::vector<LoadReportStep> steps;
  bool ok = false;            // every step passed: the plugin is loaded
  std::string error;          // LoadError::what() of the failure; "" when ok

  // The failed step, or nullptr when the load succeeded (or never started).
  const LoadReportStep* failedStep() const noexcept;

  // {"source": ..., "discovery": {"places": [{"name", "directory", "status"}],
  //  "candidates": [{"place", "manifest", "priority", "verdict", "reason"}]} | null,
  //  "path_given": ..., "manifest_path": ... | null, "path_resolved": ... | null,
  //  "host_abi": ..., "plugin": {"name", "version", "abi"} | null, "ok": bool,
  //  "error": {"step", "message"} | null, "steps": [{"step", "verdict", "detail"}]}
  nlohmann::json toJson() const;
  // A header line, a line per discovery folder and candidate (when discovery
  // ran), and one aligned line per step:
  //   MTIA plugin load report for '<path>': FAILED at negotiate
  //     discovery   prefix      '/usr/share/mtia/plugins.d': 1 manifest
  //     candidate   taken       '/usr/share/mtia/plugins.d/x.json' (prefix, priority 0): ...
  //     locate      ok      '/opt/x/libx.so' (regular file, 12345 bytes)
  //     ...
  std::string toText() const;
};

// ---- what the loader asks the operating system -----------------------------

// Each empty member means "ask the real system". Tests and tools replace them
// to simulate a setuid process or files owned by another user.
struct LoadEnvironment {
  std::function<bool()> secure_execution;                  // default: getauxval(AT_SECURE) != 0
  std::function<uid_t()> effective_uid;                    // default: geteuid()
  std::function<int(const char* path, struct stat* out)> stat;  // default: stat(2)
  // The "system" and "prefix" discovery folders, for tests ("": the real ones,
  // /etc/mtia/plugins.d and <prefix>/share/mtia/plugins.d). The "user" folder
  // follows XDG_CONFIG_HOME and HOME.
  std::string system_plugins_dir;
  std::string prefix_plugins_dir;
};

// ---- explicit loading --------------------------------------------------------

struct PluginInfo {
  std::string path;           // as given (the manifest, if one was given)
  // Where the path came from: "MTIA_PLUGIN_PATH", "a manifest in the <place>
  // plugins folder '<dir>'" (discovery), or "" (a path passed to load()).
  std::string found_by;
  std::string resolved_path;  // realpath() of the library
  std::string name;           // plugin_name from the table
  std::string version;        // plugin_version from the table
  uint32_t abi_major = 0;     // what the plugin's table declares
  uint32_t abi_minor = 0;
  uint32_t host_abi_minor = 0;  // the host's minor (the plugin may use slots up to min of both)
};

// An ABI version as every message, report and tool writes it: "1.2".
inline std::string abiVersion(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

namespace detail {
class PluginHooks;
class TracingHooks;
}  // namespace detail

// Owns at most one loaded plugin. Not thread-safe itself: load() and unload()
// must not race with each other or with calls on the hooks they returned.
// A plugin library is loaded at most once per process: a second loader (or the
// global one) reaching the same file, by any path, fails at the open step.
// In a forked child of a process that loaded a plugin, the plugin is unusable
// (docs/loading.md, "fork"): every hook fails at once with PyTorch's "Cannot
// re-initialize MTIA in forked subprocess" message, and unload() or the
// destructor neither calls the plugin's shutdown() nor dlcloses it.
class MTIA_HOST_API PluginLoader {
 public:
  explicit PluginLoader(LoadEnvironment environment = {});
  ~PluginLoader();  // unloads
  PluginLoader(const PluginLoader&) = delete;
  PluginLoader& operator=(const PluginLoader&) = delete;

  // Loads the plugin (library or manifest) at `path` (absolute). Throws
  // LoadError; lastReport() says what happened either way. A loader that
  // already holds a plugin unloads it first. The returned hooks are one
  // object for the loader's whole life, valid until the loader is destroyed:
  // between unload() and the next load every call on them throws
  // PluginError(UNAVAILABLE) saying the plugin was unloaded. With MTIA_TRACE
  // set at load time, the tracing decorator over that object is returned
  // instead (also one object for the loader's life; docs/tracing.md).
  const MTIAHooksInterface& load(const std::string& path);
  // As load(), for the path in MTIA_PLUGIN_PATH, read as getMTIAHooks() reads
  // it, or, when it is unset, for the manifest discovery chooses (the report
  // starts with the configure step).
  const MTIAHooksInterface& loadFromEnvironment();
  // Shuts the plugin down (once, and only if its initialize succeeded) and
  // dlcloses it. Idempotent. Afterwards every object handed out under that
  // load (StreamExec, Event, MTIAGraph, pinned DataPtrs, the pinned
  // allocator, guards) fails with PluginError(UNAVAILABLE) naming the unload,
  // and its destructor does nothing.
  // Calling unload() while another thread is inside a hook of this loader
  // (or uses an object handed out under this load) is misuse with undefined
  // behaviour: the host does not wait for calls in flight, and the plugin's
  // code is unmapped under them. Stop and join such threads first.
  void unload() noexcept;

  bool isLoaded() const noexcept;
  // Throw mtia::Error if nothing is loaded.
  const MTIAHooksInterface& hooks() const;
  const PluginInfo& info() const;
  // The report of the last load()/loadFromEnvironment(); empty before the first.
  const LoadReport& lastReport() const noexcept;

 private:
  struct Loaded;
  const MTIAHooksInterface& loadPath(const std::string* given);  // nullptr: MTIA_PLUGIN_PATH
  void loadSteps(const std::string* given);

  LoadEnvironment environment_;
  std::unique_ptr<Loaded> loaded_;
  // One adapter for the loader's life, bound to each load in turn (so cycles
  // of load/unload do not accumulate memory); created by the first load.
  std::unique_ptr<detail::PluginHooks> hooks_;
  // MTIA_TRACE: the tracing decorator over hooks_, created by the first
  // traced load. published_ is what load() and hooks() hand out.
  std::unique_ptr<detail::TracingHooks> traced_hooks_;
  const MTIAHooksInterface* published_ = nullptr;
  LoadReport report_;
};

// Loads the plugin at `path` in a fresh loader, unloads it and returns the
// report (mtia-info --check). Never throws for a plugin that fails to load.
MTIA_HOST_API LoadReport checkPlugin(const std::string& path, LoadEnvironment environment = {});

// ---- the process-wide loader (getMTIAHooks) ----------------------------------

// What the process-wide loader found. Triggers the load.
struct GlobalLoadStatus {
  bool configured = false;      // MTIA_PLUGIN_PATH was set, not empty, and not ignored,
                                // or discovery took a manifest
  bool loaded = false;          // a plugin backs getMTIAHooks()
  std::string path;             // the configured (or discovered) path
  std::string reason;           // why there is no backend ("" when loaded)
  LoadReport report;            // the load attempt, starting with the configure step
};
MTIA_HOST_API GlobalLoadStatus globalLoadStatus();

}  // namespace mtia
