// compiler.h — branch hints for the hot paths.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define MTIA_LIKELY(x) __builtin_expect(!!(x), 1)
#define MTIA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define MTIA_LIKELY(x) (x)
#define MTIA_UNLIKELY(x) (x)
#endif
