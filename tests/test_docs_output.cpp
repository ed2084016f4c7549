// Docs that are tested: every code block the documentation shows as output is
// the tools' real output. A block is marked by an HTML comment on the line
// before its opening fence:
//
//   <!-- output: SCENARIO -->   the block is what SCENARIO prints (the table
//                               below says how each is produced); a `console`
//                               block's first line `$ COMMAND` is run itself
//   <!-- illustration -->       the block is a template or an invented example
//
// In README.md and the docs listed in kMarkedDocs, every block that looks like
// output (no language, or `console`) must carry one of the two markers, so a
// new quoted message cannot slip in untested. Values that legitimately vary
// are normalised explicitly, on both sides (normalise()); a scenario also maps
// its real paths onto the ones the document shows. Two elisions are allowed,
// and only where the document writes them: a line that is `...` stands for any
// number of lines, a line ending in `...` for the rest of that line.
#include "run_process.h"
#include "test_support.h"

#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

// Documents whose output-looking blocks must all be marked.
const char* const kMarkedDocs[] = {"README.md",          "HACKING.md",      "docs/abi.md",
                                   "docs/host-guide.md", "docs/loading.md", "docs/memory.md"};
// Documents whose marked blocks are checked (the marker is optional there).
const char* const kOtherDocs[] = {"docs/plugin-guide.md", "docs/performance.md",
                                  "docs/streams-and-graphs.md"};

struct Block {
  std::string doc;
  size_t line = 0;     // of the opening fence, 1-based
  std::string info;    // the fence's info string ("console", "sh", "")
  std::string marker;  // "output: NAME", "illustration" or ""
  std::string text;    // the lines between the fences, each ending in '\n'
};

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<Block> codeBlocks(const std::string& doc) {
  const std::vector<std::string> lines = splitLines(readFile(std::string(MTIA_SOURCE_DIR) + "/" + doc));
  const std::regex marker(R"(^<!-- (output: [A-Za-z0-9._-]+|illustration) -->$)");
  std::vector<Block> blocks;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("```", 0) != 0) continue;
    Block b;
    b.doc = doc;
    b.line = i + 1;
    b.info = lines[i].substr(3);
    std::smatch m;
    if (i > 0 && std::regex_match(lines[i - 1], m, marker)) b.marker = m[1];
    for (++i; i < lines.size() && lines[i].rfind("```", 0) != 0; ++i) b.text += lines[i] + "\n";
    blocks.push_back(b);
  }
  return blocks;
}

// Values that differ from run to run or machine to machine.
std::string normalise(std::string s) {
  const std::pair<std::regex, const char*> rules[] = {
      {std::regex(R"(\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\])"), "[<time>]"},  // spdlog
      {std::regex(R"(owner uid \d+)"), "owner uid <uid>"},
      {std::regex(R"(\(regular file, \d+ bytes\))"), "(regular file, <size> bytes)"},
      {std::regex(R"(process \d+)"), "process <pid>"},
      {std::regex(R"(0x[0-9a-fA-F]{6,})"), "<address>"},
  };
  for (const auto& [pattern, replacement] : rules) s = std::regex_replace(s, pattern, replacement);
  return s;
}

bool lineMatches(const std::string& doc, const std::string& real) {
  const std::string ellipsis = "...";
  if (doc.size() > ellipsis.size() && doc.compare(doc.size() - 3, 3, ellipsis) == 0) {
    return real.rfind(doc.substr(0, doc.size() - 3), 0) == 0;
  }
  return doc == real;
}

bool isElision(const std::string& line) {
  return line.find_first_not_of(' ') != std::string::npos &&
         line.substr(line.find_first_not_of(' ')) == "...";
}

// The document's lines against the real ones, with the two elisions.
bool linesMatch(const std::vector<std::string>& doc, size_t d, const std::vector<std::string>& real,
                size_t r) {
  if (d == doc.size()) return r == real.size();
  if (isElision(doc[d])) {
    for (size_t skip = r; skip <= real.size(); ++skip) {
      if (linesMatch(doc, d + 1, real, skip)) return true;
    }
    return false;
  }
  return r < real.size() && lineMatches(doc[d], real[r]) && linesMatch(doc, d + 1, real, r + 1);
}

// What a scenario printed, and the real paths to show as the document shows them.
struct Actual {
  std::string text;
  std::vector<std::pair<std::string, std::string>> paths;  // real -> as documented
};

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); !from.empty() && at != std::string::npos;
       at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

mtia_test::ProcessResult probe(const std::vector<std::string>& args,
                               const std::vector<std::string>& env) {
  std::vector<std::string> argv{MTIA_DOC_PROBE_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> environment{"MTIA_PLUGIN_PATH", "MTIA_LOG_LEVEL",
                                       "MTIA_PLUGIN_ALLOW_INSECURE", "MTIA_SAMPLE_DEVICE_MEMORY"};
  environment.insert(environment.end(), env.begin(), env.end());
  return mtia_test::runProcess(argv, environment);
}

// A `console` block: `$ [NAME=VALUE...] PROGRAM [ARG...]`, then its output.
// `$PWD/build/` and a leading `build/` are the build tree.
Actual runConsoleCommand(const Block& block, std::string& expected) {
  const std::string first = block.text.substr(0, block.text.find('\n'));
  REQUIRE(first.rfind("$ ", 0) == 0);
  expected = block.text.substr(first.size() + 1);
  std::vector<std::string> env{"MTIA_LOG_LEVEL"}, argv;
  std::istringstream words(first.substr(2));
  for (std::string word; words >> word;) {
    word = replaceAll(word, "$PWD/build/", std::string(MTIA_BUILD_DIR) + "/");
    if (word.rfind("build/", 0) == 0) word = std::string(MTIA_BUILD_DIR) + word.substr(5);
    if (argv.empty() && word.find('=') != std::string::npos) {
      env.push_back(word);
    } else {
      argv.push_back(word);
    }
  }
  // The document shows the build tree of a checkout in /src/mtia-plugin-host.
  return {mtia_test::runProcess(argv, env).out, {{MTIA_BUILD_DIR, "/src/mtia-plugin-host/build"}}};
}

// A copy of a fixture in a fresh directory, with the given modes.
std::string placedCopy(const mtia_test::TempDir& dir, const std::string& fixture,
                       const std::string& name, mode_t file_mode) {
  const std::string path = dir.write(name, readFile(mtia_test::fixturePath(fixture)));
  chmod(path.c_str(), file_mode);
  chmod(dir.path().c_str(), 0755);
  return path;
}

const std::map<std::string, std::function<Actual()>>& scenarios() {
  static const std::map<std::string, std::function<Actual()>> table = {
      // The stub without a plugin (README, host-guide §3).
      {"unconfigured",
       [] { return Actual{probe({"hook", "deviceSynchronize"}, {}).out, {}}; }},
      // The stub after a plugin failed to negotiate: the message, and the log line.
      {"negotiate-failure",
       [] {
         const std::string path = mtia_test::fixturePath("fixture_major_too_high");
         return Actual{probe({"hook", "deviceSynchronize"}, {"MTIA_PLUGIN_PATH=" + path}).out,
                       {{path, "/opt/x/libmtia_x.so"}, {MTIA_FIXTURE_DIR, "/opt/x"}}};
       }},
      {"negotiate-failure-log",
       [] {
         const std::string path = mtia_test::fixturePath("fixture_major_too_high");
         return Actual{probe({"hook", "deviceSynchronize"}, {"MTIA_PLUGIN_PATH=" + path}).err,
                       {{path, "/opt/x/libmtia_x.so"}, {MTIA_FIXTURE_DIR, "/opt/x"}}};
       }},
      // abi.md: a 1.0 plugin asked for a 1.1 hook; an absent optional slot.
      {"graph-pool-handle-abi-1.0",
       [] {
         return Actual{probe({"hook", "graphPoolHandle"},
                             {std::string("MTIA_PLUGIN_PATH=") + MTIA_SAMPLE_PLUGIN_1_0_PATH})
                           .out,
                       {}};
       }},
      {"absent-slot",
       [] {
         return Actual{probe({"hook", "deviceSynchronize"},
                             {"MTIA_PLUGIN_PATH=" + mtia_test::fixturePath("fixture_good")})
                           .out,
                       {}};
       }},
      // host-guide §2: examples/host_app against the plain-C example plugin.
      {"host-app-c-plugin",
       [] {
         return Actual{mtia_test::runProcess({MTIA_HOST_APP_PATH},
                                             {std::string("MTIA_PLUGIN_PATH=") + MTIA_C_PLUGIN_PATH,
                                              "MTIA_LOG_LEVEL"})
                           .out,
                       {}};
       }},
      // loading.md: a waived security rule, and a load report.
      {"insecure-waiver",
       [] {
         const mtia_test::TempDir dir;
         const std::string path = placedCopy(dir, "fixture_good", "libx.so", 0775);
         return Actual{probe({"hook", "deviceSynchronize"},
                             {"MTIA_PLUGIN_PATH=" + path, "MTIA_LOG_LEVEL=warn",
                              "MTIA_PLUGIN_ALLOW_INSECURE=file-writable"})
                           .err,
                       {{path, "/opt/x/libx.so"}}};
       }},
      {"load-report",
       [] {
         const mtia_test::TempDir dir;
         placedCopy(dir, "fixture_major_too_high", "libmtia_acme.so", 0775);
         const std::string manifest = dir.write(
             "acme.json",
             R"({"file_format_version": "1.0.0", "plugin": {"library_path": "libmtia_acme.so", "abi_version": "1.0"}})");
         return Actual{probe({"report"}, {"MTIA_PLUGIN_PATH=" + manifest,
                                          "MTIA_PLUGIN_ALLOW_INSECURE=file-writable"})
                           .out,
                       {{dir.path(), "/opt/acme"}}};
       }},
      // memory.md: the sample plugin's device memory size and out-of-memory messages.
      {"sample-memory-size",
       [] {
         return Actual{probe({"cause"}, {"MTIA_PLUGIN_PATH=" + mtia_test::samplePluginPath(),
                                         "MTIA_SAMPLE_DEVICE_MEMORY=64 MiB"})
                           .out,
                       {}};
       }},
      {"sample-out-of-memory",
       [] {
         return Actual{probe({"alloc", "1", "41943040", "33554432"},
                             {"MTIA_PLUGIN_PATH=" + mtia_test::samplePluginPath(),
                              "MTIA_SAMPLE_DEVICE_MEMORY=67108864"})
                           .out,
                       {}};
       }},
  };
  return table;
}

std::string numbered(const std::vector<std::string>& lines) {
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) {
    text += "  " + std::to_string(i + 1) + (i + 1 < 10 ? "  | " : " | ") + lines[i] + "\n";
  }
  return text;
}

// "" when the block is the real output; otherwise a report with both versions.
std::string compareBlock(const Block& block) {
  const std::string name = block.marker.substr(std::string("output: ").size());
  std::string expected = block.text;
  Actual actual;
  if (name == "command") {
    actual = runConsoleCommand(block, expected);
  } else {
    const auto found = scenarios().find(name);
    if (found == scenarios().end()) return "unknown output scenario '" + name + "'";
    actual = found->second();
  }
  std::string real = actual.text;
  for (const auto& [from, to] : actual.paths) real = replaceAll(real, from, to);
  const std::vector<std::string> doc_lines = splitLines(normalise(expected));
  const std::vector<std::string> real_lines = splitLines(normalise(real));
  if (linesMatch(doc_lines, 0, real_lines, 0)) return "";
  size_t first = 0;
  while (first < doc_lines.size() && first < real_lines.size() &&
         lineMatches(doc_lines[first], real_lines[first])) {
    ++first;
  }
  return "differs from the real output of '" + name + "' (first difference at line " +
         std::to_string(first + 1) + ")\n--- the document (normalised):\n" + numbered(doc_lines) +
         "--- the real output (normalised):\n" + numbered(real_lines);
}

std::vector<Block> allBlocks() {
  std::vector<Block> blocks;
  for (const char* doc : kMarkedDocs) {
    for (Block& b : codeBlocks(doc)) blocks.push_back(b);
  }
  for (const char* doc : kOtherDocs) {
    for (Block& b : codeBlocks(doc)) blocks.push_back(b);
  }
  return blocks;
}

}  // namespace

TEST_CASE("The output matcher compares line by line, with the documented elisions", "[docs]") {
  const auto match = [](const std::string& doc, const std::string& real) {
    return linesMatch(splitLines(normalise(doc)), 0, splitLines(normalise(real)), 0);
  };
  CHECK(match("a\nb\n", "a\nb\n"));
  CHECK_FALSE(match("a\nb\n", "a\nc\n"));
  CHECK_FALSE(match("a\n", "a\nb\n"));           // nothing elided unless the document says so
  CHECK(match("a\n  ...\n", "a\nb\nc\n"));       // a `...` line: any number of lines
  CHECK(match("a\n...\nz\n", "a\nb\nc\nz\n"));
  CHECK_FALSE(match("a\n...\nz\n", "a\nb\nc\n"));
  CHECK(match("failed: ...\n", "failed: because\n"));  // a line ending in `...`
  CHECK_FALSE(match("failed: ...\n", "passed: because\n"));
  CHECK(match("[2025-01-31 12:00:00.000] [mtia] x\n", "[2026-12-02 00:46:22.123] [mtia] x\n"));
  CHECK_FALSE(match("owner uid 0, mode 0644\n", "owner uid 1000, mode 0664\n"));
}

TEST_CASE("Every block of the docs that looks like output is marked", "[docs]") {
  size_t marked = 0;
  for (const char* doc : kMarkedDocs) {
    for (const Block& b : codeBlocks(doc)) {
      if (!b.marker.empty()) ++marked;
      if (b.info != "" && b.info != "console") continue;
      INFO(b.doc << ":" << b.line << ": a block without a language (or `console`) needs "
                 << "<!-- output: SCENARIO --> (tests/test_docs_output.cpp) or <!-- illustration -->");
      CHECK(!b.marker.empty());
    }
  }
  CHECK(marked >= 10);
}

TEST_CASE("Every output block of the docs is the tools' real output", "[docs]") {
  size_t checked = 0;
  for (const Block& b : allBlocks()) {
    if (b.marker.rfind("output: ", 0) != 0) continue;
    ++checked;
    const std::string difference = compareBlock(b);
    INFO(b.doc << ":" << b.line << " (" << b.marker << ") " << difference);
    CHECK(difference.empty());
  }
  CHECK(checked >= 10);
}
