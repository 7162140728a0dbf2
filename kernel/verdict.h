/*
 * The end of every run: one `DONE status=ok|fail reason="..."` line on the
 * console (shared/design/serial-log.md), then QEMU's isa-debug-exit with
 * DEBUG_EXIT_OK or DEBUG_EXIT_FAIL. On real hardware (no such device) the
 * CPU halts, or the machine resets when the command line says reboot=1.
 * Only the first call prints; a later or concurrent call just stops its CPU.
 */
#ifndef KERNEL_VERDICT_H
#define KERNEL_VERDICT_H

#include <stdbool.h>

__attribute__((noreturn)) void kernel_exit(bool ok, const char *reason);

#endif
