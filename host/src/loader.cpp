// loader.cpp — the load steps, in the order they happen, each recorded in
// the load report.
#include <mtia/loader.h>

#include "adapter.h"
#include "discovery.h"
#include "elf_inspect.h"
#include "escaped.h"
#include "fork.h"
#include "library.h"
#include "log.h"
#include "manifest.h"
#include "negotiation.h"
#include "security.h"
#include "slot_call.h"
#include "step.h"
#include "swallow.h"
#include "text.h"
#include "trace_hooks.h"
#include "validation.h"

#include "reentry.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace mtia {

using detail::Library;
using detail::StepFailure;

namespace {

// The libraries held by live loaders, by dlopen handle (which is the same for
// every path to one file), with the pid of the process that claimed each: a
// plugin is initialised at most once per process, and a forked child (which
// inherits the claims) never initialises its parent's plugin again.
std::map<const void*, pid_t>& heldLibraries() {
  static auto* held = new std::map<const void*, pid_t>();  // leaked: loaders may outlive statics
  return *held;
}

// 0 when claimed, else the pid of the process that holds it.
pid_t claimLibrary(const void* handle) {
  const detail::ForkLock lock;  // a child forked meanwhile finds the map whole
  const auto [it, inserted] = heldLibraries().emplace(handle, getpid());
  return inserted ? 0 : it->second;
}

void releaseLibrary(const void* handle) noexcept {
  const detail::ForkLock lock;
  heldLibraries().erase(handle);
}

// Marks this thread as running a load's plugin code (reentry.h).
thread_local bool* t_reentered = nullptr;

class PluginCodeOnThisThread {
 public:
  PluginCodeOnThisThread() : previous_(t_reentered) { t_reentered = &reentered_; }
  ~PluginCodeOnThisThread() { t_reentered = previous_; }
  PluginCodeOnThisThread(const PluginCodeOnThisThread&) = delete;
  PluginCodeOnThisThread& operator=(const PluginCodeOnThisThread&) = delete;
  bool reentered() const noexcept { return reentered_; }

 private:
  bool reentered_ = false;
  bool* previous_;
};

constexpr const char* kReentryCause =
    "the plugin called getMTIAHooks() while the host was loading it (re-entry from its entry "
    "point or initialize()); the host's hooks do not exist before the load has finished, and "
    "waiting for them there would deadlock: call them only after initialize() has returned";

// The one copy of the plugin's table the host uses: the first struct_size
// bytes the plugin declares (at most the host's size), zero beyond. Taken
// right after the query, validated, then used for initialize() and bound to
// the adapter: a plugin changing its own table later changes nothing.
mtia_plugin_api_t snapshotTable(const mtia_plugin_api_t& table) noexcept {
  mtia_plugin_api_t copy;
  std::memset(&copy, 0, sizeof(copy));
  std::memcpy(&copy, &table, std::min(table.struct_size, sizeof(copy)));
  copy.struct_size = table.struct_size;
  return copy;
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

namespace detail {
bool noteReentry() noexcept {
  if (t_reentered == nullptr) return false;
  *t_reentered = true;
  return true;
}
}  // namespace detail

struct PluginLoader::Loaded {
  // Members are destroyed after ~Loaded's body in reverse order: the library
  // (dlclose) before the services and the log tag, which the plugin's ELF
  // destructors may still use.
  detail::PluginLogTag log_tag;  // host_data of the log sink: the path, then the name
  mtia_host_services_t services{};
  Library library;
  bool claimed = false;
  pid_t pid = getpid();        // the process that loaded it
  mtia_plugin_api_t table{};  // the host's one copy (snapshotTable)
  bool initialized = false;

  ~Loaded() {
    if (pid != getpid()) {
      // A forked child: the plugin's threads do not exist here, so its
      // shutdown() and ELF destructors could wait forever. Leave it mapped
      // and claimed (it cannot be initialised again in this process).
      library.leak();
      return;
    }
    if (initialized && table.shutdown != nullptr) {  // a failure is logged; the unload goes on
      detail::runLogged("the plugin's shutdown failed", [&] {
        detail::callSlot(detail::HookFailures(log_tag.get(), table.get_last_error), "shutdown",
                         table.shutdown);
      });
    }
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
  return *published_;
}

void PluginLoader::loadSteps(const std::string* given) {
  const LoadEnvironment& env = environment_;
  Attempt attempt(report_);
  auto loaded = std::make_unique<Loaded>();

  // 0. configure: MTIA_PLUGIN_PATH or manifest discovery, unless a path was given.
  report_.source = "argument";
  report_.path_given = given != nullptr ? *given : attempt.run(LoadStep::Configure, [&](auto& s) {
    return detail::configurePluginPath(env, report_, &s.detail);
  });
  const std::string& path = report_.path_given;
  detail::logIfEnabled(spdlog::level::debug, "loading MTIA plugin '{}'", path);

  // 1. manifest: a *.json path names the library through a manifest.
  std::string library_path = path;
  detail::Manifest manifest;
  const bool has_manifest = detail::isManifestPath(path);
  if (has_manifest) {
    manifest = attempt.run(LoadStep::Manifest, [&](auto& s) {
      const detail::LocatedFile file = detail::locateFile(env, path);
      const detail::SecurityVerdict security = detail::checkSecurity(env, file.path);
      detail::logWaivers(security);
      detail::Manifest m =
          detail::parseManifest(detail::readManifestFile(file.path), detail::parentDirectory(file.path));
      report_.manifest_path = file.path;
      s.detail = "'" + file.path + "': file format " + m.file_format_version + ", library_path '" +
                 m.library_path + "', ABI " + abiVersion(m.abi_major, m.abi_minor) + "; " +
                 security.detail;
      if (security.waived()) s.verdict = StepVerdict::Overridden;
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
    detail::logWaivers(security);
    if (security.waived()) s.verdict = StepVerdict::Overridden;
  });

  // 4. inspect: an ELF shared library for this process, complete.
  attempt.run(LoadStep::Inspect, [&](auto& s) { s.detail = detail::inspectElfFile(resolved); });

  // 5. open: dlopen, once per process.
  attempt.run(LoadStep::Open, [&](auto& s) {
    std::string error;
    loaded->library = Library::open(resolved, &error);
    if (!loaded->library) throw StepFailure(error);
    if (const pid_t holder = claimLibrary(loaded->library.handle()); holder == getpid()) {
      throw StepFailure(
          "'" + resolved +
          "' is already loaded by another PluginLoader in this process (or by getMTIAHooks()); "
          "a plugin is initialised at most once per process: use that loader's hooks, or unload "
          "it first");
    } else if (holder != 0) {
      throw StepFailure("'" + resolved + "' was loaded in parent process " +
                        std::to_string(holder) + " before it forked this one (pid " +
                        std::to_string(getpid()) + "): Cannot re-initialize MTIA in forked "
                        "subprocess. To use MTIA with multiprocessing, you must use the 'spawn' "
                        "start method");
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
  const PluginCodeOnThisThread plugin_code;
  const mtia_plugin_api_t* queried = attempt.run(LoadStep::Query, [&](auto& s) {
    const mtia_plugin_api_t* t = detail::queryTable(
        reinterpret_cast<mtia_plugin_get_api_fn>(entry), loaded->services);
    report_.plugin_abi = abiVersion(t->abi_major, t->abi_minor);
    report_.plugin_name = detail::pluginText(t->plugin_name, detail::kMaxPluginNameBytes);
    report_.plugin_version = detail::pluginText(t->plugin_version, detail::kMaxPluginNameBytes);
    s.detail = "the table declares ABI " + report_.plugin_abi + " and struct_size " +
               std::to_string(t->struct_size);
    return t;
  });
  loaded->table = snapshotTable(*queried);
  const mtia_plugin_api_t& table = loaded->table;

  // 8. negotiate.
  attempt.run(LoadStep::Negotiate, [&](auto& s) {
    detail::negotiateVersion(table);
    s.detail = "plugin ABI " + report_.plugin_abi + "; host ABI " + report_.host_abi;
    if (has_manifest) {
      if (table.abi_major != manifest.abi_major || table.abi_minor != manifest.abi_minor) {
        throw StepFailure("the library's table declares MTIA plugin ABI " + report_.plugin_abi +
                          ", but its manifest '" + report_.manifest_path + "' declares " +
                          abiVersion(manifest.abi_major, manifest.abi_minor) +
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
    if (plugin_code.reentered()) throw StepFailure(kReentryCause);
    if (table.initialize == nullptr) {
      s.detail = "the plugin has no initialize slot";
      return;
    }
    detail::checkSlot(detail::StepFailures(table.get_last_error), "initialize", table.initialize);
    loaded->initialized = true;  // shutdown is owed from here on
    if (plugin_code.reentered()) throw StepFailure(kReentryCause);
    s.detail = "initialize() returned OK";
  });
  loaded->initialized = true;

  PluginInfo info;
  info.path = path;
  info.found_by = detail::foundBy(report_);
  info.resolved_path = resolved;
  info.name = report_.plugin_name;
  info.version = report_.plugin_version;
  info.abi_major = table.abi_major;
  info.abi_minor = table.abi_minor;
  info.host_abi_minor = detail::kHostAbiMaxMinor;
  if (hooks_ == nullptr) hooks_ = std::make_unique<detail::PluginHooks>();
  hooks_->attach(detail::copyTable(table), std::move(info));
  loaded_ = std::move(loaded);
  // MTIA_TRACE: the tracing decorator (docs/tracing.md), else the adapter itself.
  published_ = &detail::chooseTracing(env, *hooks_, traced_hooks_);
  detail::logIfEnabled(spdlog::level::info, "loaded MTIA plugin '{}' {} (ABI {}) from '{}'",
                       report_.plugin_name, report_.plugin_version, report_.plugin_abi, resolved);
}

void PluginLoader::unload() noexcept {
  if (!loaded_) return;
  hooks_->detach();  // stale references and handed-out objects now fail cleanly
  loaded_.reset();   // shutdown() and dlclose (neither in a forked child)
  hooks_->forgetObservers();
}

bool PluginLoader::isLoaded() const noexcept { return loaded_ != nullptr; }

const MTIAHooksInterface& PluginLoader::hooks() const {
  if (!loaded_) throw Error("PluginLoader::hooks(): no MTIA plugin is loaded");
  return *published_;
}

const PluginInfo& PluginLoader::info() const {
  if (!loaded_) throw Error("PluginLoader::info(): no MTIA plugin is loaded");
  return *hooks_->pluginInfo();
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
