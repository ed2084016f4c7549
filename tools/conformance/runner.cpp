// runner.cpp — loads the plugin, decides each check's needs, and runs every
// check on a fresh thread under a watchdog, turning whatever it throws into a
// verdict.
#include "support.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

namespace mtia_conformance {

namespace {

// Whether the plugin implements a hook group, probed once with a hook that
// changes nothing visible. Only an absent slot (NOT_SUPPORTED) means "no".
class GroupProbe {
 public:
  explicit GroupProbe(const Hooks& hooks) : hooks_(hooks) {}

  // "" when present, else why not.
  std::string missing(const std::string& group) {
    const auto known = cache_.find(group);
    if (known != cache_.end()) return known->second;
    std::string why;
    try {
      if (group == "stream") {
        hooks_.getDefaultStream(0);
      } else if (group == "memory") {
        hooks_.memoryStats(0);
      } else if (group == "graph") {
        hooks_.mtiagraphDestroy(hooks_.mtiagraphCreate(false));
      }
    } catch (const mtia::PluginError& e) {
      if (e.code() == MTIA_STATUS_NOT_SUPPORTED) why = e.what();
    } catch (...) {
      // Present but failing: the checks report it.
    }
    return cache_[group] = why;
  }

 private:
  const Hooks& hooks_;
  std::map<std::string, std::string> cache_;
};

uint32_t negotiatedMinor(const mtia::PluginInfo& info) {
  return std::min(info.abi_minor, info.host_abi_minor);
}

// "" when the check can run, else the SKIP reason naming the unmet need.
std::string unmetNeed(const Check& check, Context& ctx, GroupProbe& groups) {
  const Needs& n = check.needs;
  if (ctx.devices < n.devices) {
    return "needs " + str(n.devices) + (n.devices == 1 ? " device" : " devices") +
           "; the plugin has " + str(ctx.devices);
  }
  if (negotiatedMinor(ctx.info) < n.abi_minor) {
    return "needs plugin ABI 1." + str(n.abi_minor) + "; the negotiated ABI is 1." +
           str(negotiatedMinor(ctx.info));
  }
  for (const std::string& ext : n.extensions) {
    if (ctx.hooks.getExtension(ext.c_str()) == nullptr) {
      return "needs the '" + ext + "' extension, which the plugin does not provide";
    }
  }
  for (const std::string& group : n.groups) {
    const std::string why = groups.missing(group);
    if (!why.empty()) {
      return "needs the " + group + " group, which the plugin does not implement: " + why;
    }
  }
  return "";
}

Result resultOf(const Check& check, Verdict verdict, std::string reason) {
  return {check.id, groupOf(check), check.title, verdict, std::move(reason)};
}

// Runs one check; every exception becomes a verdict.
Result runOne(const Check& check, Context& ctx, GroupProbe& groups) {
  try {
    const std::string unmet = unmetNeed(check, ctx, groups);
    if (!unmet.empty()) return resultOf(check, Verdict::Skip, unmet);
    return resultOf(check, Verdict::Pass, check.run(ctx));
  } catch (const Violation& e) {
    return resultOf(check, Verdict::Fail, e.what());
  } catch (const NotApplicable& e) {
    return resultOf(check, Verdict::Skip, e.what());
  } catch (const mtia::PluginError& e) {
    if (e.code() == MTIA_STATUS_NOT_SUPPORTED) {
      return resultOf(check, Verdict::Skip, std::string("a hook it uses is not implemented: ") +
                                                e.what());
    }
    return resultOf(check, Verdict::Fail, e.what());
  } catch (const std::exception& e) {
    return resultOf(check, Verdict::Fail, e.what());
  } catch (...) {
    return resultOf(check, Verdict::Fail, "the check ended with an exception of unknown type");
  }
}

// One check on its own thread. Shared with that thread, which may outlive the
// wait (then the process exits without touching the plugin again).
struct Watched {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  Result result;
};

// The check's result, or nullopt when it did not finish within timeout_s.
std::optional<Result> runWatched(const Check& check, Context& ctx, GroupProbe& groups,
                                 double timeout_s) {
  auto watched = std::make_shared<Watched>();
  ctx.step("the check to finish");
  std::thread worker([watched, &check, &ctx, &groups] {
    Result r = runOne(check, ctx, groups);
    std::lock_guard<std::mutex> lock(watched->mutex);
    watched->result = std::move(r);
    watched->done = true;
    watched->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(watched->mutex);
  const bool done = watched->cv.wait_for(lock, std::chrono::duration<double>(timeout_s),
                                         [&] { return watched->done; });
  lock.unlock();
  if (!done) {
    worker.detach();
    return std::nullopt;
  }
  worker.join();
  return watched->result;
}

void finish(Report& report) {
  report.failure.clear();
  for (const Result& r : report.results) {
    if (r.verdict == Verdict::Fail) {
      report.failure = "check '" + r.id + "' failed: " + r.reason;
      break;
    }
  }
  report.exit_code = report.failure.empty() ? kExitOk : kExitFailed;
}

bool selected(const Check& check, const RunOptions& options) {
  if (options.quick && !check.quick) return false;
  return options.only.empty() || std::string(check.id).rfind(options.only, 0) == 0;
}

// Loads the plugin; false (with the report's failure and exit code) if it did not.
bool load(mtia::PluginLoader& loader, const std::string& path, Report& report) {
  try {
    if (path.empty()) {
      loader.loadFromEnvironment();
    } else {
      loader.load(path);
    }
  } catch (...) {
    // The load report says which step failed and why.
  }
  report.load = loader.lastReport();
  report.loaded = loader.isLoaded();
  if (report.loaded) return true;
  const mtia::LoadReportStep* step = report.load.failedStep();
  if (step != nullptr && step->step == mtia::LoadStep::Configure) {
    report.failure = step->detail;
    report.exit_code = kExitNoPlugin;
    return false;
  }
  report.failure = step != nullptr ? std::string("load step '") + mtia::loadStepName(step->step) +
                                         "' failed: " + step->detail
                                   : "the plugin did not load: " + report.load.error;
  report.exit_code = kExitLoadFailed;
  return false;
}

}  // namespace

Report runSuite(const std::string& path, const RunOptions& options,
                const std::function<void(const Report&)>& on_timeout) {
  Report report;
  report.tool = options.quick ? "mtia-info --check" : "mtia-conformance";
  // Never destroyed when a check hangs: the process exits with it loaded.
  auto loader = std::make_unique<mtia::PluginLoader>();
  try {
    if (!load(*loader, path, report)) return report;
    report.info = loader->info();
    const Hooks& hooks = loader->hooks();
    // deviceCount() itself runs under the watchdog, as every check does.
    Context probe_ctx(hooks, report.info, 0);
    GroupProbe groups(hooks);
    int devices = 0;
    const Check count{"device.count", "deviceCount() answers", {{}, {}, 0, 0}, true,
                      [&](Context&) {
                        devices = hooks.deviceCount();
                        return std::string();
                      }};
    const std::vector<Check>& checks = allChecks();
    // A check that does not return: report it stuck, the rest not run, and exit.
    const auto abandon = [&](const Check& stuck, const std::string& waited_for, size_t next) {
      report.results.push_back(resultOf(
          stuck, Verdict::Fail,
          "timed out after " + str(static_cast<int64_t>(options.timeout_s)) +
              " s waiting for " + waited_for));
      for (size_t j = next; j < checks.size(); ++j) {
        if (!selected(checks[j], options)) continue;
        report.results.push_back(resultOf(checks[j], Verdict::Skip,
                                          "not run: check '" + std::string(stuck.id) +
                                              "' is stuck inside the plugin"));
      }
      finish(report);
      on_timeout(report);
      std::cout.flush();
      std::fflush(nullptr);
      _exit(kExitFailed);  // the stuck thread is inside the plugin: never unload it
    };
    if (!runWatched(count, probe_ctx, groups, options.timeout_s)) {
      abandon(count, "deviceCount() to return", 0);
    }
    report.devices = std::max(devices, 0);
    Context ctx(hooks, report.info, report.devices);
    for (size_t i = 0; i < checks.size(); ++i) {
      if (!selected(checks[i], options)) continue;
      std::optional<Result> result = runWatched(checks[i], ctx, groups, options.timeout_s);
      if (!result) abandon(checks[i], ctx.currentStep(), i + 1);
      report.results.push_back(std::move(*result));
    }
    finish(report);
  } catch (const std::exception& e) {
    report.failure = std::string("mtia-conformance: internal error: ") + e.what();
    report.exit_code = kExitFailed;
  } catch (...) {
    report.failure = "mtia-conformance: internal error of unknown type";
    report.exit_code = kExitFailed;
  }
  return report;
}

}  // namespace mtia_conformance
