/*
 * kprintf for host tests of kernel modules: what the code under test
 * prints, formatted by the kernel's own formatter (kernel/lib/printf.c) and
 * caught in one buffer instead of going to a console.
 */
#ifndef TESTS_KERNEL_KPRINTF_CAPTURE_H
#define TESTS_KERNEL_KPRINTF_CAPTURE_H

#include <stddef.h>

#define KPRINTF_CAPTURE_MAX 65536

/* Everything printed since the last kprintf_clear, NUL-terminated. */
extern char kprintf_text[KPRINTF_CAPTURE_MAX];
extern size_t kprintf_len;

void kprintf_clear(void);

#endif
