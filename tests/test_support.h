// test_support.h — paths and small helpers shared by the tests.
#pragma once

#include <mtia/errors.h>
#include <mtia/hooks.h>
#include <mtia/loader.h>
#include <mtia/plugin_abi.h>

#include <catch2/catch.hpp>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

// The plugin the hook-level tests run on: the sample plugin, or (with
// MTIA_TEST_PLUGIN_OPENCL, tests/CMakeLists.txt) the OpenCL plugin. Its name
// and how its messages name it.
#ifdef MTIA_TEST_PLUGIN_OPENCL
#define MTIA_TEST_PLUGIN_NAME "mtia-opencl"
#define MTIA_TEST_PLUGIN_NOUN "the OpenCL plugin"
#else
#define MTIA_TEST_PLUGIN_NAME "mtia-sample"
#define MTIA_TEST_PLUGIN_NOUN "the sample plugin"
#endif

namespace mtia_test {

inline std::string samplePluginPath() { return MTIA_SAMPLE_PLUGIN_PATH; }

// Path of a fixture plugin built from tests/fixtures/fixture_plugin.c.
inline std::string fixturePath(const std::string& name) {
  return std::string(MTIA_FIXTURE_DIR) + "/lib" + name + ".so";
}

// A fresh directory under the build tree, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    const char* root = std::getenv("TMPDIR");
    std::string pattern = std::string(root != nullptr && *root != '\0' ? root : "/tmp") +
                          "/mtia-test-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }
  // Writes a file with this content and returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    chmod(p.c_str(), 0644);  // whatever the umask: the loader refuses group-writable files
    return p;
  }

 private:
  std::string path_;
};

// The message of the mtia::Error (or subclass) that fn throws; FAILs if none.
template <class Fn>
std::string errorOf(Fn&& fn) {
  try {
    fn();
  } catch (const mtia::Error& e) {
    return e.what();
  }
  FAIL("expected an mtia::Error");
  return {};
}

// Loads the plugin at path and returns the LoadError it fails with.
inline mtia::LoadError loadErrorOf(const std::string& path) {
  mtia::PluginLoader loader;
  try {
    loader.load(path);
  } catch (const mtia::LoadError& e) {
    return e;
  }
  FAIL("expected a LoadError for " << path);
  throw std::logic_error("unreachable");
}

// Sets an environment variable for the scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old, had_ = true;
    if (value != nullptr) setenv(name, value, 1); else unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_) setenv(name_.c_str(), old_.c_str(), 1); else unsetenv(name_.c_str());
  }

 private:
  std::string name_, old_;
  bool had_ = false;
};

// realpath() of a path that must exist.
inline std::string realPath(const std::string& path) {
  char buf[PATH_MAX];
  REQUIRE(realpath(path.c_str(), buf) != nullptr);
  return buf;
}

}  // namespace mtia_test
