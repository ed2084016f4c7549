#include "elf_inspect.h"

#include "step.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace mtia::detail {

namespace {

using Ehdr = ElfW(Ehdr);
using Phdr = ElfW(Phdr);

// The ELF identity of this very process image: what a plugin must match.
struct Native {
  unsigned char elf_class;
  unsigned char data;
  uint16_t machine;
};

const Native& native() {
  static const Native n = [] {
    Dl_info info{};
    // This function's own object (libmtia_host, or the executable it is built into).
    if (dladdr(reinterpret_cast<const void*>(&native), &info) != 0 && info.dli_fbase != nullptr) {
      Ehdr self;
      std::memcpy(&self, info.dli_fbase, sizeof(self));
      return Native{self.e_ident[EI_CLASS], self.e_ident[EI_DATA], self.e_machine};
    }
    return Native{sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32,
                  __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB, 0};
  }();
  return n;
}

std::string className(unsigned char c) {
  if (c == ELFCLASS32) return "32-bit";
  if (c == ELFCLASS64) return "64-bit";
  return "unknown-class (" + std::to_string(c) + ")";
}

std::string dataName(unsigned char d) {
  if (d == ELFDATA2LSB) return "little-endian";
  if (d == ELFDATA2MSB) return "big-endian";
  return "unknown-byte-order (" + std::to_string(d) + ")";
}

std::string machineName(uint16_t m) {
  const char* name = nullptr;
  switch (m) {
    case EM_386: name = "x86"; break;
    case EM_X86_64: name = "x86-64"; break;
    case EM_ARM: name = "ARM"; break;
    case EM_AARCH64: name = "AArch64"; break;
    case EM_PPC: name = "PowerPC"; break;
    case EM_PPC64: name = "PowerPC64"; break;
    case EM_S390: name = "s390"; break;
    case EM_MIPS: name = "MIPS"; break;
    case EM_RISCV: name = "RISC-V"; break;
    default: break;
  }
  const std::string number = "ELF machine " + std::to_string(m);
  return name != nullptr ? std::string(name) + " (" + number + ")" : number;
}

std::string typeName(uint16_t t) {
  switch (t) {
    case ET_REL: return "an ELF relocatable object (.o)";
    case ET_EXEC: return "an ELF executable";
    case ET_CORE: return "an ELF core dump";
    default: return "an ELF file of type " + std::to_string(t);
  }
}

std::string truncated(uint64_t needed_end, std::size_t size, const std::string& what) {
  return "is truncated: " + what + " ends at byte " + std::to_string(needed_end) +
         ", but the file has " + std::to_string(size) + " bytes";
}

}  // namespace

ElfInspection inspectElfImage(std::string_view image) {
  const std::size_t size = image.size();
  if (size == 0) return {"is empty", ""};
  if (size < SELFMAG || std::memcmp(image.data(), ELFMAG, SELFMAG) != 0) {
    const std::size_t first = image.find_first_not_of(" \t\r\n");
    const bool json = first != std::string_view::npos && (image[first] == '{');
    return {json ? "is not an ELF file (it looks like JSON: a manifest's file name must end in "
                   "\".json\")"
                 : "is not an ELF file (it does not start with the ELF magic bytes)",
            ""};
  }
  if (size < sizeof(Ehdr)) {
    return {truncated(sizeof(Ehdr), size, "the ELF header"), ""};
  }
  Ehdr h;
  std::memcpy(&h, image.data(), sizeof(h));
  const Native& me = native();
  if (h.e_ident[EI_CLASS] != me.elf_class) {
    return {"is a " + className(h.e_ident[EI_CLASS]) + " ELF file, but this process is " +
                className(me.elf_class),
            ""};
  }
  if (h.e_ident[EI_DATA] != me.data) {
    return {"is a " + dataName(h.e_ident[EI_DATA]) + " ELF file, but this process is " +
                dataName(me.data),
            ""};
  }
  if (h.e_type != ET_DYN) return {"is " + typeName(h.e_type) + ", not a shared library", ""};
  if (me.machine != 0 && h.e_machine != me.machine) {
    return {"is built for " + machineName(h.e_machine) + ", but this process runs on " +
                machineName(me.machine),
            ""};
  }
  if (h.e_phnum == 0 || h.e_phentsize != sizeof(Phdr)) {
    return {"has a malformed program header table (" + std::to_string(h.e_phnum) +
                " entries of " + std::to_string(h.e_phentsize) + " bytes; expected entries of " +
                std::to_string(sizeof(Phdr)) + " bytes)",
            ""};
  }
  const uint64_t table_end = static_cast<uint64_t>(h.e_phoff) + uint64_t{h.e_phnum} * sizeof(Phdr);
  if (h.e_phoff > size || table_end > size) {
    return {truncated(table_end, size, "the program header table"), ""};
  }
  for (uint16_t i = 0; i < h.e_phnum; ++i) {
    Phdr p;
    std::memcpy(&p, image.data() + h.e_phoff + std::size_t{i} * sizeof(Phdr), sizeof(p));
    if (p.p_filesz == 0) continue;
    const uint64_t end = static_cast<uint64_t>(p.p_offset) + p.p_filesz;
    if (p.p_offset > size || p.p_filesz > size - p.p_offset) {
      return {truncated(end, size, "segment " + std::to_string(i)), ""};
    }
  }
  return {"", className(h.e_ident[EI_CLASS]) + " " + dataName(h.e_ident[EI_DATA]) +
                  " ELF shared library for " + machineName(h.e_machine)};
}

std::string inspectElfFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw StepFailure("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    throw StepFailure("cannot stat '" + path + "': " + std::strerror(err));
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  ElfInspection result;
  if (size == 0) {
    result = inspectElfImage({});
  } else {
    void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      const int err = errno;
      close(fd);
      throw StepFailure("cannot map '" + path + "': " + std::strerror(err));
    }
    result = inspectElfImage(std::string_view(static_cast<const char*>(map), size));
    munmap(map, size);
  }
  close(fd);
  if (!result.problem.empty()) throw StepFailure("'" + path + "' " + result.problem);
  return result.description;
}

}  // namespace mtia::detail
