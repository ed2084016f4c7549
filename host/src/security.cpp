#include "security.h"

#include "discovery.h"
#include "environment.h"
#include "log.h"
#include "step.h"

#include <sys/stat.h>

#include <cstring>
#include <set>
#include <vector>

namespace mtia::detail {

namespace {

constexpr const char* kRules[] = {"file-writable", "file-owner", "dir-writable", "dir-owner"};

struct Finding {
  const char* rule;
  std::string problem;
};

// The rules MTIA_PLUGIN_ALLOW_INSECURE waives; throws on a name that is no rule.
std::set<std::string> waivedRules(const LoadEnvironment& env) {
  std::set<std::string> waived;
  const char* value = readVariable(env, kAllowInsecureVariable);
  if (value == nullptr) return waived;
  const std::string text = value;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string name = text.substr(start, end - start);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!name.empty()) {
      bool known = false;
      for (const char* rule : kRules) known = known || name == rule;
      if (!known) {
        throw StepFailure(std::string(kAllowInsecureVariable) + " names an unknown rule '" + name +
                          "' (the rules are file-writable, file-owner, dir-writable, dir-owner)");
      }
      waived.insert(name);
    }
    start = end + 1;
  }
  return waived;
}

std::string ownerProblem(const std::string& subject, uid_t owner, uid_t me) {
  return subject + " is owned by uid " + std::to_string(owner) +
         ", which is neither root nor this process's user (uid " + std::to_string(me) + ")";
}

// Every rule the file at `path` (with `file`) and its directory break.
std::vector<Finding> findings(const std::string& path, const struct stat& file,
                              const std::string& dir, const struct stat& dir_st, uid_t me) {
  std::vector<Finding> found;
  const std::string file_subject = "'" + path + "'";
  const std::string dir_subject = "its directory '" + dir + "'";
  if ((file.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    const char* who = (file.st_mode & S_IWGRP) == 0   ? "others"
                      : (file.st_mode & S_IWOTH) == 0 ? "its group"
                                                      : "its group and others";
    found.push_back({"file-writable", file_subject + " is writable by " + who + " (mode " +
                                          modeText(file.st_mode) +
                                          "), so other users could change the code it contains"});
  }
  if (file.st_uid != 0 && file.st_uid != me) {
    found.push_back({"file-owner", ownerProblem(file_subject, file.st_uid, me)});
  }
  if ((dir_st.st_mode & S_IWOTH) != 0) {
    found.push_back({"dir-writable", dir_subject + " is writable by others (mode " +
                                         modeText(dir_st.st_mode) +
                                         "), so any user could replace the file"});
  }
  if (dir_st.st_uid != 0 && dir_st.st_uid != me) {
    found.push_back({"dir-owner", ownerProblem(dir_subject, dir_st.st_uid, me)});
  }
  return found;
}

}  // namespace

SecurityVerdict checkSecurity(const LoadEnvironment& env, const std::string& resolved) {
  const std::set<std::string> waivable = waivedRules(env);
  struct stat file {};
  if (const int err = statPath(env, resolved, &file); err != 0) {
    throw StepFailure("cannot stat '" + resolved + "': " + std::strerror(err));
  }
  const std::string dir = parentDirectory(resolved);
  struct stat dir_st {};
  if (const int err = statPath(env, dir, &dir_st); err != 0) {
    throw StepFailure("cannot stat its directory '" + dir + "': " + std::strerror(err));
  }
  const uid_t me = effectiveUid(env);
  SecurityVerdict verdict;
  verdict.detail = "mode " + modeText(file.st_mode) + ", owner uid " + std::to_string(file.st_uid) +
                   "; directory '" + dir + "' mode " + modeText(dir_st.st_mode) + ", owner uid " +
                   std::to_string(dir_st.st_uid);
  for (const Finding& f : findings(resolved, file, dir, dir_st, me)) {
    if (waivable.count(f.rule) == 0) {
      throw StepFailure(f.problem + " (rule " + f.rule + "; to override, set " +
                        kAllowInsecureVariable + "=" + f.rule + ")");
    }
    verdict.waivers.push_back(std::string(kAllowInsecureVariable) + "=" + f.rule +
                              " waives a security rule: " + f.problem);
    verdict.detail += "; rule " + std::string(f.rule) + " waived by " + kAllowInsecureVariable +
                      ": " + f.problem;
  }
  return verdict;
}

void logWaivers(const SecurityVerdict& verdict) {
  for (const std::string& waiver : verdict.waivers) logger().warn("{}", waiver);
}

}  // namespace mtia::detail
