// fuzz_elf — inspectElfImage() on arbitrary bytes: it never reads outside the
// image (ASan) and accepts only images with a complete ELF header.
#include "elf_inspect.h"

#include <elf.h>
#include <link.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const mtia::detail::ElfInspection r =
      mtia::detail::inspectElfImage(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r.problem.empty() == r.description.empty()) __builtin_trap();  // exactly one is set
  if (r.problem.empty() && size < sizeof(ElfW(Ehdr))) __builtin_trap();
  return 0;
}
