#include "tls_model.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace mtia_bench {

namespace {

template <class T>
T readAt(const std::vector<char>& bytes, uint64_t offset, const std::string& path) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) {
    throw std::runtime_error(path + ": truncated ELF file");
  }
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

}  // namespace

std::string tlsModelOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto header = readAt<Elf64_Ehdr>(bytes, 0, path);
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64) {
    throw std::runtime_error(path + ": not an ELF64 file");
  }
  if (header.e_machine != EM_X86_64) return "unknown (not x86-64)";
  bool dynamic = false, initial_exec = false, descriptors = false;
  for (uint64_t i = 0; i < header.e_shnum; ++i) {
    const auto section = readAt<Elf64_Shdr>(bytes, header.e_shoff + i * header.e_shentsize, path);
    if (section.sh_type != SHT_RELA) continue;
    for (uint64_t at = 0; at + sizeof(Elf64_Rela) <= section.sh_size; at += sizeof(Elf64_Rela)) {
      const auto rela = readAt<Elf64_Rela>(bytes, section.sh_offset + at, path);
      switch (ELF64_R_TYPE(rela.r_info)) {
        case R_X86_64_DTPMOD64: dynamic = true; break;
        case R_X86_64_TPOFF64: initial_exec = true; break;
        case R_X86_64_TLSDESC: descriptors = true; break;
        default: break;
      }
    }
  }
  std::string model;
  for (const auto& [present, name] : {std::pair{dynamic, "dynamic"}, std::pair{initial_exec, "initial-exec"},
                                      std::pair{descriptors, "descriptors"}}) {
    if (present) model += (model.empty() ? "" : "+") + std::string(name);
  }
  return model.empty() ? "none" : model;
}

}  // namespace mtia_bench
