// mtia/loader.h — loading a plugin explicitly (tests, tools), and what the
// global loader found.
//
// The steps of a load, in order (each failure is a LoadError naming its step):
//   configure  read MTIA_PLUGIN_PATH (global loader only)
//   locate     the path is absolute, resolves, and is a regular file
//   open       dlopen(RTLD_NOW | RTLD_LOCAL)
//   resolve    dlsym(MTIA_PLUGIN_ENTRY_SYMBOL)
//   query      call the entry point with the host services; get the table
//   negotiate  ABI major equal, minor inside the host's window
//   validate   struct_size covers the claimed minor; required slots present
//   initialize the plugin's initialize() slot
#pragma once

#include <mtia/errors.h>
#include <mtia/hooks.h>

#include <cstdint>
#include <memory>
#include <string>

namespace mtia {

enum class LoadStep { Configure, Locate, Open, Resolve, Query, Negotiate, Validate, Initialize };

// "configure", "locate", "open", "resolve", "query", "negotiate", "validate", "initialize".
const char* loadStepName(LoadStep step) noexcept;

// what(): "cannot load MTIA plugin '<path>': <step> failed: <cause>".
class LoadError : public Error {
 public:
  LoadError(LoadStep step, std::string path, std::string cause);
  LoadStep step() const noexcept { return step_; }
  const std::string& path() const noexcept { return path_; }
  const std::string& cause() const noexcept { return cause_; }

 private:
  LoadStep step_;
  std::string path_, cause_;
};

struct PluginInfo {
  std::string path;           // as given
  std::string resolved_path;  // realpath()
  std::string name;           // plugin_name from the table
  std::string version;        // plugin_version from the table
  uint32_t abi_major = 0;     // what the plugin's table declares
  uint32_t abi_minor = 0;
  uint32_t host_abi_minor = 0;  // the host's minor (the plugin may use slots up to min of both)
};

// Owns at most one loaded plugin. Not thread-safe itself: load() and unload()
// must not race with each other or with calls on the hooks they returned.
class PluginLoader {
 public:
  PluginLoader();
  ~PluginLoader();  // unloads
  PluginLoader(const PluginLoader&) = delete;
  PluginLoader& operator=(const PluginLoader&) = delete;

  // Loads the plugin at `path` (absolute). Throws LoadError. A loader that
  // already holds a plugin unloads it first.
  const MTIAHooksInterface& load(const std::string& path);
  // Shuts the plugin down (if initialize succeeded) and dlcloses it. The hooks
  // returned by load() must not be used afterwards. Idempotent.
  void unload() noexcept;

  bool isLoaded() const noexcept;
  // Throws mtia::Error if nothing is loaded.
  const MTIAHooksInterface& hooks() const;
  const PluginInfo& info() const;

 private:
  struct Loaded;
  std::unique_ptr<Loaded> loaded_;
};

// What the process-wide loader (getMTIAHooks) found. Triggers the load.
struct GlobalLoadStatus {
  bool configured = false;      // MTIA_PLUGIN_PATH was set and not empty
  bool loaded = false;          // a plugin backs getMTIAHooks()
  std::string path;             // the configured path
  std::string reason;           // why there is no backend ("" when loaded)
};
GlobalLoadStatus globalLoadStatus();

}  // namespace mtia
