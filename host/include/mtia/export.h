// mtia/export.h — MTIA_HOST_API marks what libmtia_host exports.
//
// libmtia_host.so is built with hidden visibility (-fvisibility=hidden
// -fvisibility-inlines-hidden): only declarations marked MTIA_HOST_API in
// the public headers (host/include/mtia/*.h) are exported. On a class it
// exports the out-of-line members, the vtable and the typeinfo (needed to
// derive from it, catch it, or dynamic_cast to it across the library
// boundary); inline members stay inline in each application.
// The library's own build defines MTIA_HOST_BUILDING (Windows: dllexport
// there, dllimport for applications). abi/check.sh checks the exported set.
#pragma once

#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(MTIA_HOST_BUILDING)
#define MTIA_HOST_API __declspec(dllexport)
#else
#define MTIA_HOST_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define MTIA_HOST_API __attribute__((visibility("default")))
#else
#define MTIA_HOST_API
#endif
