// tls_model.h — which thread-local storage model a shared library's code
// uses, read from its dynamic TLS relocations (x86-64 ELF): "dynamic"
// (global- or local-dynamic: R_X86_64_DTPMOD64, a __tls_get_addr call per
// access), "initial-exec" (R_X86_64_TPOFF64: one %fs: load, STATIC_TLS),
// "descriptors" (R_X86_64_TLSDESC, -mtls-dialect=gnu2), joined with "+" when
// mixed, "none" without TLS relocations. main() refuses a baseline whose
// model differs from the plugin's, whatever the compile options said.
#pragma once

#include <string>

namespace mtia_bench {

// Throws std::runtime_error when the file cannot be read as an ELF64 file;
// "unknown (not x86-64)" on other machines.
std::string tlsModelOf(const std::string& path);

}  // namespace mtia_bench
