/*
 * The C library string functions the portable benchmarks call, declared
 * with their standard signatures. <string.h> is not one of C's freestanding
 * headers, so the kernel build cannot include it: on the host libc defines
 * these, in the kernel kernel/lib/string.c does (tests/bench checks that
 * nothing else stays undefined).
 */
#ifndef BENCH_CSTRING_H
#define BENCH_CSTRING_H

#include <stddef.h>

size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
