/*
 * Fatal errors: panic() prints `ERROR msg="..."` and a backtrace, then ends
 * the run with `DONE status=fail` (kernel/verdict.h). The trap handler uses
 * the same steps (panic_enter, panic_backtrace).
 */
#ifndef KERNEL_LIB_PANIC_H
#define KERNEL_LIB_PANIC_H

#include <stdint.h>

#include "lib/printf.h"

__attribute__((noreturn)) void panic(const char *fmt, ...) KPRINTF_FORMAT(1, 2);

/*
 * Set by the SMP code once other CPUs run: stops them (e.g. an NMI IPI) so
 * that the dying CPU's report is the last thing on the console. NULL at
 * boot. Called once, by the first CPU that panics or takes a fatal trap.
 */
extern void (*panic_stop_others)(void);

/* Interrupts off, console into panic mode, other CPUs stopped. */
void panic_enter(void);
/* Prints `rip` (if not 0), then the frame-pointer chain from `rbp` (bounded, checked). */
void panic_backtrace(uint64_t rip, uint64_t rbp);

#endif
