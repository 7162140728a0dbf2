/*
 * Run verdict and machine stop (see verdict.h); the reset of reboot=1 is
 * dev/reset.c.
 */
#include "verdict.h"

#include <stdatomic.h>

#include "arch/cpu.h"
#include "cmdline.h"
#include "console.h"
#include "dev/debug_exit.h"
#include "dev/reset.h"
#include "dev/uart.h"
#include "lib/printf.h"
#include "summary.h"

static bool reboot_requested;
KOPT_BOOL(reboot_requested, "reboot", "0",
	  "after the verdict, reset the machine instead of halting (real hardware)");

static uint64_t opt_screen_hold;
KOPT_UINT(opt_screen_hold, "screen_hold", "0",
	  "seconds the summary screen stays up before QEMU exits or reboot=1 resets (else until reset)");

static atomic_flag verdict_given = ATOMIC_FLAG_INIT;

void kernel_exit(bool ok, const char *reason)
{
	cli();
	if (atomic_flag_test_and_set(&verdict_given))
		cpu_halt_forever();
	console_start_early(); /* a run that ended before main.c chose the serial console */
	char line[SUMMARY_LINE_MAX];
	ksnprintf(line, sizeof(line), "DONE status=%s reason=\"%s\"", ok ? "ok" : "fail", reason);
	kprintf("%s\n", line);
	uart_flush(); /* QEMU would drop the last bytes still in the UART */
	summary_line(SUMMARY_DONE, line);
	summary_show(ok);
	summary_hold(opt_screen_hold);
	debug_exit(ok ? DEBUG_EXIT_OK : DEBUG_EXIT_FAIL);
	/* Still running: not QEMU with isa-debug-exit. */
	if (reboot_requested)
		machine_reset();
	summary_hold(UINT64_MAX); /* the QR codes keep cycling */
	cpu_halt_forever();
}
