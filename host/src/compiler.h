// compiler.h — the branch hint for the hot paths.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define MTIA_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define MTIA_LIKELY(x) (x)
#endif
