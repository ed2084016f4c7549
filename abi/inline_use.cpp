// abi/inline_use.cpp — the inline API of the public headers, compiled as an
// application compiles it (-O0: nothing folded away). abi/check.sh links it
// against libmtia_host.so and records the library symbols it binds
// (abi/host.inline): what every application binds without naming it.
#include <mtia/errors.h>
#include <mtia/exec.h>
#include <mtia/graph.h>
#include <mtia/guards.h>
#include <mtia/hooks.h>
#include <mtia/loader.h>
#include <mtia/types.h>

#include <cstddef>

namespace {

// An application's own hooks and allocator, derived from the public bases.
struct AppHooks final : mtia::MTIAHooksInterface {
  mtia::DeviceIndex deviceCount() const override { return 1; }
};
struct AppAllocator final : mtia::Allocator {
  mtia::DataPtr allocate(std::size_t /*n*/) override { return {}; }
};

}  // namespace

int main(int argc, char** /*argv*/) {
  if (argc > 0) return 0;  // linked to see what it binds; never meant to run
  const mtia::MTIAHooksInterface& hooks = mtia::getMTIAHooks();
  const mtia::MTIAHooksInterface stub("no backend");
  const AppHooks app;
  AppAllocator allocator;
  mtia::DataPtr data = allocator.allocate(1);
  const mtia::Stream stream(mtia::Stream::DEFAULT, mtia::Device(mtia::DeviceType::MTIA, 0));
  try {
    throw mtia::Error(hooks.unavailableReason() + stub.unavailableReason());
  } catch (const mtia::PluginError& e) {
    return e.code() + static_cast<int>(e.hook().size() + e.plugin().size() + e.message().size());
  } catch (const mtia::LoadError& e) {
    return static_cast<int>(e.step()) + static_cast<int>(e.path().size() + e.cause().size());
  } catch (const mtia::Error&) {
  }
  return app.deviceCount() + stream.pack3().device_index + (data ? 1 : 0);
}
