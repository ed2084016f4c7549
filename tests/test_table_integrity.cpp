// The host's copies of the plugin's tables (issue 12 item 6, issue 14 (b)):
// one copy of the function table, taken before anything else and used for
// everything; extension tables of an older, smaller version accepted, with
// their missing trailing slots absent.
#include "test_support.h"

#include <mtia/exec.h>

using mtia_test::errorOf;
using mtia_test::fixturePath;

namespace {
mtia::Stream stream0() { return mtia::Stream(0, mtia::Device(mtia::DeviceType::MTIA, 0)); }
}  // namespace

TEST_CASE("A plugin that changes its table in initialize() does not make the host call NULL",
          "[table][integrity]") {
  // initialize() clears device_count and get_current_device and shrinks
  // struct_size to 8 in the plugin's own table, after the host validated it.
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_changes_table"));
  CHECK(hooks.deviceCount() == 1);
  CHECK(hooks.getCurrentDevice() == 0);
  hooks.setCurrentDevice(0);
  CHECK(hooks.isAvailable());
  const mtia::LoadReportStep& validate = loader.lastReport().steps.at(loader.lastReport().steps.size() - 2);
  CHECK(validate.step == mtia::LoadStep::Validate);
  CHECK_THAT(validate.detail, Catch::Contains("struct_size 352 (ABI 1.0 needs 352)"));
}

TEST_CASE("An older, smaller extension table is accepted; its missing slots fail by name",
          "[table][extensions]") {
  // fixture_small_extensions: "mtia.events/1" with struct_size 40 (the first
  // four slots, up to stream_wait_event); "mtia.exec/1" with struct_size 8,
  // too small for even its first slot.
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_small_extensions"));
  mtia::Event event(false, hooks);
  event.record(stream0());
  event.block(stream0());
  const std::string older =
      "the plugin's 'mtia.events/1' table is from an older version of the extension: its "
      "struct_size 40 ends before slot '";
  CHECK(errorOf([&] { event.query(); }) ==
        "Event::query() failed in MTIA plugin 'fixture': " + older +
            "event_query' (bytes 40-48) (NOT_SUPPORTED)");
  CHECK(errorOf([&] { event.synchronize(); }) ==
        "Event::synchronize() failed in MTIA plugin 'fixture': " + older +
            "event_synchronize' (bytes 48-56) (NOT_SUPPORTED)");
  CHECK(errorOf([&] { event.elapsedTime(event); }) ==
        "Event::elapsedTime() failed in MTIA plugin 'fixture': " + older +
            "event_elapsed_time' (bytes 56-64) (NOT_SUPPORTED)");
  CHECK(errorOf([&] { mtia::StreamExec exec(hooks); }) ==
        "StreamExec() failed in MTIA plugin 'fixture': the plugin does not provide the "
        "'mtia.exec/1' extension (NOT_SUPPORTED)");
  // The full streams table still works.
  CHECK(hooks.createStream(0).id() == 1);
}  // ~Event uses event_destroy, which the small table has

TEST_CASE("A NULL slot inside an extension table fails by name, the others work",
          "[table][extensions]") {
  mtia::PluginLoader loader;
  const mtia::MTIAHooksInterface& hooks = loader.load(fixturePath("fixture_null_extension_slot"));
  mtia::StreamExec exec(hooks);
  exec.synchronize(stream0());
  CHECK(errorOf([&] { exec.query(stream0()); }) ==
        "StreamExec::query() failed in MTIA plugin 'fixture': the plugin's 'mtia.streams/1' table "
        "leaves slot 'stream_query' NULL (NOT_SUPPORTED)");
}
