// loader.cpp — the load steps, in the order they happen, each recorded in
// the load report.
#include <mtia/loader.h>

#include "adapter.h"
#include "discovery.h"
#include "elf_inspect.h"
#include "escaped.h"
#include "failure.h"
#include "library.h"
#include "log.h"
#include "manifest.h"
#include "negotiation.h"
#include "security.h"
#include "step.h"
#include "text.h"
#include "validation.h"

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>

namespace mtia {

using detail::Library;
using detail::StepFailure;

namespace {

// The libraries held by live loaders, by dlopen handle (which is the same for
// every path to one file): a plugin is initialised at most once per process.
std::mutex g_held_mutex;
std::set<const void*>& heldLibraries() {
  static auto* held = new std::set<const void*>();  // leaked: loaders may outlive statics
  return *held;
}

bool claimLibrary(const void* handle) {
  std::lock_guard<std::mutex> lock(g_held_mutex);
  return heldLibraries().insert(handle).second;
}

void releaseLibrary(const void* handle) noexcept {
  std::lock_guard<std::mutex> lock(g_held_mutex);
  heldLibraries().erase(handle);
}

std::string abiText(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// Runs the steps of one load attempt and records each in the report; a
// StepFailure becomes LoadError(step, path given, cause).
class Attempt {
 public:
  explicit Attempt(LoadReport& report) : report_(report) {}

  // fn(LoadReportStep&) fills in the step's detail (and verdict) and returns
  // the step's result.
  template <class Fn>
  auto run(LoadStep step, Fn&& fn) {
    LoadReportStep entry{step, StepVerdict::Passed, {}};
    try {
      if constexpr (std::is_void_v<decltype(fn(entry))>) {
        fn(entry);
        report_.steps.push_back(std::move(entry));
      } else {
        auto result = fn(entry);
        report_.steps.push_back(std::move(entry));
        return result;
      }
    } catch (const StepFailure& e) {
      fail(step, e.what());
    } catch (const std::bad_alloc&) {
      fail(step, "the host ran out of memory");
    } catch (const std::exception& e) {
      fail(step, std::string("the host failed: ") + detail::pluginText(e.what()));
    } catch (...) {
      fail(step, detail::escapedException(std::string("code run by the ") + loadStepName(step) +
                                          " step"));
    }
  }

 private:
  // load() throws only LoadError, whatever went wrong inside a step.
  [[noreturn]] void fail(LoadStep step, const std::string& cause) {
    report_.steps.push_back({step, StepVerdict::Failed, cause});
    throw LoadError(step, report_.path_given, cause);
  }

  LoadReport& report_;
};

}  // namespace

struct PluginLoader::Loaded {
  // Members are destroyed after ~Loaded's body in reverse order: the library
  // (dlclose) before the services and the log tag, which the plugin's ELF
  // destructors may still use.
  detail::PluginLogTag log_tag;  // host_data of the log sink: the path, then the name
  mtia_host_services_t services{};
  Library library;
  bool claimed = false;
  const mtia_plugin_api_t* table = nullptr;
  bool initialized = false;
  std::unique_ptr<detail::PluginHooks> hooks;

  ~Loaded() {
    hooks.reset();
    if (initialized && table->shutdown != nullptr) table->shutdown();
    if (claimed) releaseLibrary(library.handle());
  }
};

PluginLoader::PluginLoader(LoadEnvironment environment) : environment_(std::move(environment)) {}
PluginLoader::~PluginLoader() { unload(); }

const MTIAHooksInterface& PluginLoader::load(const std::string& path) { return loadPath(&path); }

const MTIAHooksInterface& PluginLoader::loadFromEnvironment() { return loadPath(nullptr); }

const MTIAHooksInterface& PluginLoader::loadPath(const std::string* given) {
  // Copied first: `given` may be, e.g., info().path, which unload() frees.
  const std::optional<std::string> path =
      given != nullptr ? std::optional<std::string>(*given) : std::nullopt;
  unload();
  report_ = LoadReport();
  report_.host_abi = detail::abiWindowText(detail::hostAbiWindow());
  try {
    loadSteps(path ? &*path : nullptr);
  } catch (const LoadError& e) {
    report_.error = e.what();
    throw;
  }
  report_.ok = true;
  return *loaded_->hooks;
}

void PluginLoader::loadSteps(const std::string* given) {
  const LoadEnvironment& env = environment_;
  Attempt attempt(report_);
  auto loaded = std::make_unique<Loaded>();

  // 0. configure: MTIA_PLUGIN_PATH, unless a path was given.
  report_.path_given = given != nullptr ? *given : attempt.run(LoadStep::Configure, [&](auto& s) {
    std::string path = detail::configuredPluginPath(env);
    s.detail = std::string(detail::kPluginPathVariable) + "='" + path + "'";
    return path;
  });
  const std::string& path = report_.path_given;
  detail::logger().debug("loading MTIA plugin '{}'", path);

  // 1. manifest: a *.json path names the library through a manifest.
  std::string library_path = path;
  detail::Manifest manifest;
  const bool has_manifest = detail::isManifestPath(path);
  if (has_manifest) {
    manifest = attempt.run(LoadStep::Manifest, [&](auto& s) {
      const detail::LocatedFile file = detail::locateFile(env, path);
      const detail::SecurityVerdict security = detail::checkSecurity(env, file.path);
      detail::Manifest m =
          detail::parseManifest(detail::readManifestFile(file.path), detail::parentDirectory(file.path));
      report_.manifest_path = file.path;
      s.detail = "'" + file.path + "': file format " + m.file_format_version + ", library_path '" +
                 m.library_path + "', ABI " + abiText(m.abi_major, m.abi_minor) + "; " +
                 security.detail;
      if (security.waived) s.verdict = StepVerdict::Overridden;
      return m;
    });
    library_path = manifest.library;
  }

  // 2. locate: absolute path, realpath, regular file.
  const std::string resolved = attempt.run(LoadStep::Locate, [&](auto& s) {
    const detail::LocatedFile file = detail::locateFile(env, library_path);
    s.detail = "'" + file.path + "' (regular file, " + std::to_string(file.st.st_size) + " bytes)";
    return file.path;
  });
  report_.path_resolved = resolved;

  // 3. security: nobody else could have changed the file.
  attempt.run(LoadStep::Security, [&](auto& s) {
    const detail::SecurityVerdict security = detail::checkSecurity(env, resolved);
    s.detail = security.detail;
    if (security.waived) s.verdict = StepVerdict::Overridden;
  });

  // 4. inspect: an ELF shared library for this process, complete.
  attempt.run(LoadStep::Inspect, [&](auto& s) { s.detail = detail::inspectElfFile(resolved); });

  // 5. open: dlopen, once per process.
  attempt.run(LoadStep::Open, [&](auto& s) {
    std::string error;
    loaded->library = Library::open(resolved, &error);
    if (!loaded->library) throw StepFailure(error);
    if (!claimLibrary(loaded->library.handle())) {
      throw StepFailure(
          "'" + resolved +
          "' is already loaded by another PluginLoader in this process (or by getMTIAHooks()); "
          "a plugin is initialised at most once per process: use that loader's hooks, or unload "
          "it first");
    }
    loaded->claimed = true;
    s.detail = "dlopen(RTLD_NOW | RTLD_LOCAL)";
  });

  // 6. resolve the one entry symbol.
  void* entry = attempt.run(LoadStep::Resolve, [&](auto& s) {
    std::string error;
    void* symbol = loaded->library.symbol(MTIA_PLUGIN_ENTRY_SYMBOL, &error);
    if (symbol == nullptr) {
      throw StepFailure("the library does not export '" MTIA_PLUGIN_ENTRY_SYMBOL "' (" + error + ")");
    }
    s.detail = "found '" MTIA_PLUGIN_ENTRY_SYMBOL "'";
    return symbol;
  });

  // 7. query: hand over the host services, get the table.
  loaded->log_tag.set(path);
  loaded->services.struct_size = sizeof(mtia_host_services_t);
  loaded->services.abi_major = detail::kHostAbiMajor;
  loaded->services.abi_minor = detail::kHostAbiMaxMinor;
  loaded->services.host_name = "mtia-plugin-host";
  loaded->services.host_data = &loaded->log_tag;
  loaded->services.log = &detail::pluginLogSink;
  loaded->table = attempt.run(LoadStep::Query, [&](auto& s) {
    const mtia_plugin_api_t* t = detail::queryTable(
        reinterpret_cast<mtia_plugin_get_api_fn>(entry), loaded->services);
    report_.plugin_abi = abiText(t->abi_major, t->abi_minor);
    report_.plugin_name = detail::pluginText(t->plugin_name, detail::kMaxPluginNameBytes);
    report_.plugin_version = detail::pluginText(t->plugin_version, detail::kMaxPluginNameBytes);
    s.detail = "the table declares ABI " + report_.plugin_abi + " and struct_size " +
               std::to_string(t->struct_size);
    return t;
  });
  const mtia_plugin_api_t& table = *loaded->table;

  // 8. negotiate.
  attempt.run(LoadStep::Negotiate, [&](auto& s) {
    detail::negotiateVersion(table);
    s.detail = "plugin ABI " + report_.plugin_abi + "; host ABI " + report_.host_abi;
    if (has_manifest) {
      if (table.abi_major != manifest.abi_major || table.abi_minor != manifest.abi_minor) {
        throw StepFailure("the library's table declares MTIA plugin ABI " + report_.plugin_abi +
                          ", but its manifest '" + report_.manifest_path + "' declares " +
                          abiText(manifest.abi_major, manifest.abi_minor) +
                          ": correct the manifest's abi_version");
      }
      s.detail += "; as the manifest declares";
    }
  });

  // 9. validate.
  attempt.run(LoadStep::Validate, [&](auto& s) {
    detail::validateTable(table);
    s.detail = "plugin '" + report_.plugin_name + "' " + report_.plugin_version + "; struct_size " +
               std::to_string(table.struct_size) + " (ABI " + report_.plugin_abi + " needs " +
               std::to_string(detail::requiredTableSize(table.abi_minor)) +
               "); required slots present";
  });
  loaded->log_tag.set(report_.plugin_name);

  // 10. initialize (once; shutdown is owed only from here on).
  attempt.run(LoadStep::Initialize, [&](auto& s) {
    if (table.initialize == nullptr) {
      s.detail = "the plugin has no initialize slot";
      return;
    }
    mtia_status_t status = MTIA_STATUS_OK;
    try {
      status = table.initialize();
    } catch (...) {
      throw StepFailure(detail::escapedException("initialize()"));
    }
    if (status != MTIA_STATUS_OK) {
      const detail::PluginFailure failure = detail::lastFailure(table.get_last_error, status);
      throw StepFailure(std::string("initialize() returned ") + statusLabel(failure.code) + ": " +
                        failure.message);
    }
    s.detail = "initialize() returned OK";
  });
  loaded->initialized = true;

  PluginInfo info;
  info.path = path;
  info.resolved_path = resolved;
  info.name = report_.plugin_name;
  info.version = report_.plugin_version;
  info.abi_major = table.abi_major;
  info.abi_minor = table.abi_minor;
  info.host_abi_minor = detail::kHostAbiMaxMinor;
  loaded->hooks = std::make_unique<detail::PluginHooks>(detail::copyTable(table), std::move(info));
  detail::logger().info("loaded MTIA plugin '{}' {} (ABI {}) from '{}'", report_.plugin_name,
                        report_.plugin_version, report_.plugin_abi, resolved);
  loaded_ = std::move(loaded);
}

void PluginLoader::unload() noexcept {
  if (!loaded_) return;
  if (loaded_->hooks != nullptr) {
    // References to the hooks may outlive the plugin: keep the adapter, bound
    // to a table that fails every call with "the plugin was unloaded".
    loaded_->hooks->detach();
    try {
      unloaded_hooks_.push_back(std::move(loaded_->hooks));
    } catch (...) {
      (void)loaded_->hooks.release();  // leak it rather than leave references dangling
    }
  }
  loaded_.reset();
}

bool PluginLoader::isLoaded() const noexcept { return loaded_ != nullptr; }

const MTIAHooksInterface& PluginLoader::hooks() const {
  if (!loaded_) throw Error("PluginLoader::hooks(): no MTIA plugin is loaded");
  return *loaded_->hooks;
}

const PluginInfo& PluginLoader::info() const {
  if (!loaded_) throw Error("PluginLoader::info(): no MTIA plugin is loaded");
  return *loaded_->hooks->pluginInfo();
}

const LoadReport& PluginLoader::lastReport() const noexcept { return report_; }

LoadReport checkPlugin(const std::string& path, LoadEnvironment environment) {
  try {
    PluginLoader loader(std::move(environment));
    try {
      loader.load(path);
    } catch (const LoadError&) {
      // The report says why.
    }
    return loader.lastReport();
  } catch (...) {  // out of memory outside the load itself: an empty report
    return LoadReport();
  }
}

}  // namespace mtia
