// loader.cpp — the load steps, in the order they happen.
#include <mtia/loader.h>

#include "adapter.h"
#include "discovery.h"
#include "library.h"
#include "log.h"
#include "negotiation.h"
#include "validation.h"

#include <memory>
#include <string>

namespace mtia {

using detail::Library;

struct PluginLoader::Loaded {
  // Declaration order is teardown order in reverse: hooks go first, the
  // library (dlclose) last.
  Library library;
  std::string log_tag;  // host_data of the log sink: the path, then the name
  mtia_host_services_t services{};
  const mtia_plugin_api_t* table = nullptr;
  bool initialized = false;
  std::unique_ptr<detail::PluginHooks> hooks;

  ~Loaded() {
    hooks.reset();
    if (initialized && table->shutdown != nullptr) table->shutdown();
  }
};

PluginLoader::PluginLoader() = default;
PluginLoader::~PluginLoader() { unload(); }

const MTIAHooksInterface& PluginLoader::load(const std::string& path) {
  unload();
  auto loaded = std::make_unique<Loaded>();
  auto& log = detail::logger();
  log.debug("loading MTIA plugin '{}'", path);

  // 1. locate: absolute path, realpath, regular file.
  const std::string resolved = detail::locatePlugin(path);

  // 2. open.
  std::string error;
  loaded->library = Library::open(resolved, &error);
  if (!loaded->library) throw LoadError(LoadStep::Open, path, error);

  // 3. resolve the one entry symbol.
  void* entry = loaded->library.symbol(MTIA_PLUGIN_ENTRY_SYMBOL, &error);
  if (entry == nullptr) {
    throw LoadError(LoadStep::Resolve, path,
                    "the library does not export '" MTIA_PLUGIN_ENTRY_SYMBOL "' (" + error + ")");
  }

  // 4. query: hand over the host services, get the table.
  loaded->log_tag = path;
  loaded->services.struct_size = sizeof(mtia_host_services_t);
  loaded->services.abi_major = detail::kHostAbiMajor;
  loaded->services.abi_minor = detail::kHostAbiMaxMinor;
  loaded->services.host_name = "mtia-plugin-host";
  loaded->services.host_data = &loaded->log_tag;
  loaded->services.log = &detail::pluginLogSink;
  loaded->table = detail::queryTable(reinterpret_cast<mtia_plugin_get_api_fn>(entry),
                                     loaded->services, path);
  const mtia_plugin_api_t& table = *loaded->table;

  // 5. negotiate, 6. validate.
  detail::negotiateVersion(table, path);
  detail::validateTable(table, path);

  PluginInfo info;
  info.path = path;
  info.resolved_path = resolved;
  info.name = table.plugin_name;
  info.version = table.plugin_version != nullptr ? table.plugin_version : "";
  info.abi_major = table.abi_major;
  info.abi_minor = table.abi_minor;
  info.host_abi_minor = detail::kHostAbiMaxMinor;
  loaded->log_tag = info.name;

  // 7. initialize (once; shutdown is owed only from here on).
  if (table.initialize != nullptr) {
    if (table.initialize() != MTIA_STATUS_OK) {
      const char* message = nullptr;
      const mtia_status_t code = table.get_last_error(&message);
      throw LoadError(LoadStep::Initialize, path,
                      std::string("initialize() returned ") + statusName(code) + ": " +
                          (message != nullptr && *message != '\0' ? message : "(no message)"));
    }
  }
  loaded->initialized = true;

  loaded->hooks = std::make_unique<detail::PluginHooks>(detail::copyTable(table), std::move(info));
  log.info("loaded MTIA plugin '{}' {} (ABI {}.{}) from '{}'", loaded->hooks->pluginInfo()->name,
           loaded->hooks->pluginInfo()->version, table.abi_major, table.abi_minor, resolved);
  loaded_ = std::move(loaded);
  return *loaded_->hooks;
}

void PluginLoader::unload() noexcept { loaded_.reset(); }

bool PluginLoader::isLoaded() const noexcept { return loaded_ != nullptr; }

const MTIAHooksInterface& PluginLoader::hooks() const {
  if (!loaded_) throw Error("PluginLoader::hooks(): no MTIA plugin is loaded");
  return *loaded_->hooks;
}

const PluginInfo& PluginLoader::info() const {
  if (!loaded_) throw Error("PluginLoader::info(): no MTIA plugin is loaded");
  return *loaded_->hooks->pluginInfo();
}

}  // namespace mtia
