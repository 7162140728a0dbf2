/*
 * Choosing the serial console (see console_spec.h for console=).
 *
 * Until console_start() runs, output is only kept in the console history
 * (lib/printf.h) and drawn on the framebuffer; console_start() picks the
 * ports, says which and why in one line, and replays the history there, so
 * the log on any port starts with the BOOT line. The choice, in order:
 *   1. console= names a port (or none): that port, even if its loopback
 *      test fails (a BMC's virtual UART may not loop back), unless nothing
 *      answers there at all; then as for auto, with a WARN.
 *   2. the ACPI SPCR table names a 16550-family port: that port.
 *   3. every one of COM1..COM4 that answers (scratch register and loopback);
 *      QEMU's `-serial null -serial file:x` has two, and we cannot tell which
 *      one a person reads.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdbool.h>

#include "firmware/acpi.h"

/* After paging_init (MMIO ports) and find_acpi; acpi NULL when there is none. Once. */
void console_start(const struct acpi *acpi);
/*
 * For a run that ends before console_start (a bad command line, help=1, a
 * panic): the same choice without SPCR and without MMIO (paging may not be
 * up). Does nothing once a console was chosen.
 */
void console_start_early(void);

#endif
