/*
 * Formatted output to the console (COM1 and, where present, the framebuffer).
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, length modifiers hh h l ll z,
 * flags '-', '0' and '#' (0x prefix), field width (digits or '*'), precision for %s ('.N').
 * kprintf holds the console lock for the whole call, so lines printed by
 * different CPUs never interleave: print a machine-read line with ONE call.
 * Formatting: lib/printf.c (pure, host-tested); kprintf and the console
 * behind it: lib/kprintf.c.
 */
#ifndef KERNEL_LIB_PRINTF_H
#define KERNEL_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define KPRINTF_FORMAT(f, a) __attribute__((format(printf, f, a)))

int kprintf(const char *fmt, ...) KPRINTF_FORMAT(1, 2);
/* Like snprintf: always NUL-terminates (size > 0), returns the untruncated length. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...) KPRINTF_FORMAT(3, 4);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Format to `out`, one character at a time; returns the length. */
int kvformat(void (*out)(char c), const char *fmt, va_list ap);

/*
 * From now on the console lock is taken with a bounded wait: a CPU that dies
 * while printing (a fault inside kprintf, a core stopped by panic) must not
 * keep the panic message from coming out. Called by panic and the trap handler.
 */
void console_panic_mode(void);

/*
 * The console keeps the last CONSOLE_HISTORY bytes it printed; a console
 * that starts late (the framebuffer) gets them through `put`, under the
 * console lock, so nothing printed in between is lost or doubled.
 */
#define CONSOLE_HISTORY 65536
void console_replay(void (*put)(char c));
/* Bytes printed so far that the history no longer holds. */
uint64_t console_lost_bytes(void);

#endif
