// elf_inspect.h — the inspect step: before dlopen runs anything from the file, check
// that it is an ELF shared library this process can load, and that it is
// complete. glibc answers a library for another machine with a misleading
// "No such file or directory", and a truncated one can crash the process with
// SIGBUS inside dlopen; this step turns both into clear errors.
#pragma once

#include <string>
#include <string_view>

namespace mtia::detail {

struct ElfInspection {
  std::string problem;      // "" when loadable; else a predicate: "is a 32-bit ELF file, ..."
  std::string description;  // when loadable: "64-bit little-endian ELF shared library for x86-64"
};

// Inspects a whole file image (pure; the fuzzer calls it).
ElfInspection inspectElfImage(std::string_view image);

// Maps the file at `path` read-only and inspects it. Throws StepFailure when
// the file cannot be read or is not loadable ("'<path>' <problem>").
std::string inspectElfFile(const std::string& path);

}  // namespace mtia::detail
