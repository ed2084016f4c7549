// load_report.cpp — the names of the load steps, LoadError, and the load
// report's JSON and text forms.
#include <mtia/loader.h>

#include "text.h"

#include <algorithm>
#include <cstring>

namespace mtia {

const char* loadStepName(LoadStep step) noexcept {
  switch (step) {
    case LoadStep::Configure: return "configure";
    case LoadStep::Manifest: return "manifest";
    case LoadStep::Locate: return "locate";
    case LoadStep::Security: return "security";
    case LoadStep::Inspect: return "inspect";
    case LoadStep::Open: return "open";
    case LoadStep::Resolve: return "resolve";
    case LoadStep::Query: return "query";
    case LoadStep::Negotiate: return "negotiate";
    case LoadStep::Validate: return "validate";
    case LoadStep::Initialize: return "initialize";
  }
  return "unknown";
}

const char* stepVerdictName(StepVerdict verdict) noexcept {
  switch (verdict) {
    case StepVerdict::Passed: return "ok";
    case StepVerdict::Overridden: return "overridden";
    case StepVerdict::Failed: return "failed";
  }
  return "unknown";
}

const char* candidateVerdictName(CandidateVerdict verdict) noexcept {
  switch (verdict) {
    case CandidateVerdict::Taken: return "taken";
    case CandidateVerdict::Outranked: return "outranked";
    case CandidateVerdict::Skipped: return "skipped";
  }
  return "unknown";
}

LoadError::LoadError(LoadStep step, std::string path, std::string cause)
    : Error("cannot load MTIA plugin" + (path.empty() ? std::string() : " '" + path + "'") + ": " +
            loadStepName(step) + " failed: " + cause),
      step_(step),
      path_(std::move(path)),
      cause_(std::move(cause)) {}

const LoadReportStep* LoadReport::failedStep() const noexcept {
  if (steps.empty() || steps.back().verdict != StepVerdict::Failed) return nullptr;
  return &steps.back();
}

nlohmann::json LoadReport::toJson() const {
  // Paths are bytes, not necessarily UTF-8: every string is made valid UTF-8
  // here, so that dump() of the result never throws.
  const auto text = [](const std::string& s) { return nlohmann::json(detail::validUtf8(s)); };
  const auto orNull = [&](const std::string& s) { return s.empty() ? nlohmann::json() : text(s); };
  nlohmann::json j;
  j["source"] = text(source);
  j["discovery"] = nlohmann::json();
  if (!discovery_places.empty()) {
    nlohmann::json places = nlohmann::json::array(), found = nlohmann::json::array();
    for (const DiscoveryPlace& p : discovery_places) {
      places.push_back(
          {{"name", text(p.name)}, {"directory", orNull(p.directory)}, {"status", text(p.status)}});
    }
    for (const DiscoveryCandidate& c : candidates) {
      found.push_back({{"place", text(c.place)},
                       {"manifest", text(c.manifest)},
                       {"priority", c.priority},
                       {"verdict", candidateVerdictName(c.verdict)},
                       {"reason", text(c.reason)}});
    }
    j["discovery"] = {{"places", places}, {"candidates", found}};
  }
  j["path_given"] = text(path_given);
  j["manifest_path"] = orNull(manifest_path);
  j["path_resolved"] = orNull(path_resolved);
  j["host_abi"] = text(host_abi);
  j["plugin"] = plugin_abi.empty() ? nlohmann::json()
                                   : nlohmann::json{{"name", text(plugin_name)},
                                                    {"version", text(plugin_version)},
                                                    {"abi", text(plugin_abi)}};
  j["ok"] = ok;
  const LoadReportStep* failed = failedStep();
  j["error"] = failed == nullptr ? nlohmann::json()
                                 : nlohmann::json{{"step", loadStepName(failed->step)},
                                                  {"message", text(error)}};
  j["steps"] = nlohmann::json::array();
  for (const LoadReportStep& s : steps) {
    j["steps"].push_back({{"step", loadStepName(s.step)},
                          {"verdict", stepVerdictName(s.verdict)},
                          {"detail", text(s.detail)}});
  }
  return j;
}

std::string LoadReport::toText() const {
  const LoadReportStep* failed = failedStep();
  std::string text = "MTIA plugin load report for '" + path_given + "': ";
  text += ok ? "loaded" : failed != nullptr ? std::string("FAILED at ") + loadStepName(failed->step)
                                            : std::string("not loaded");
  const auto line = [&text](const char* name, const std::string& verdict, const std::string& detail) {
    text += "\n  ";
    text += name;
    text.append(12 - std::min<std::size_t>(11, std::strlen(name)), ' ');
    text += verdict;
    text.append(12 - std::min<std::size_t>(11, verdict.size()), ' ');
    text += detail;
  };
  for (const DiscoveryPlace& p : discovery_places) {
    line("discovery", p.name, (p.directory.empty() ? "" : "'" + p.directory + "': ") + p.status);
  }
  for (const DiscoveryCandidate& c : candidates) {
    line("candidate", candidateVerdictName(c.verdict),
         "'" + c.manifest + "' (" + c.place + ", priority " + std::to_string(c.priority) + "): " +
             c.reason);
  }
  for (const LoadReportStep& s : steps) {
    line(loadStepName(s.step),
         s.verdict == StepVerdict::Failed ? "FAILED" : stepVerdictName(s.verdict), s.detail);
  }
  return text;
}

}  // namespace mtia
