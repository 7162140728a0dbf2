/*
 * The boot CPU's watchdog: no wait of the kernel lasts forever.
 *
 * Every CPU that sleeps in wait_while_equal (lib/barrier.h) records what it
 * waits for in its struct percpu. The boot CPU, whenever it waits itself,
 * wakes at least every WATCHDOG_TICK_MS (local APIC timer, one-shot) and
 * looks at all of them:
 *   - a CPU still asleep WATCHDOG_RESEND_MS after its word changed lost its
 *     wake-up IPI (or its vCPU was not scheduled): the IPI is sent again;
 *   - when the boot CPU has waited watchdog=S seconds, the job's first CPU
 *     that neither finished nor waits (else the first that has not finished)
 *     is stuck: `ERROR msg="cpu N stuck in <phase> for S s"`, every CPU is
 *     stopped (NMI) and the run ends with `DONE status=fail`.
 * The portable benchmarks' spinning barriers bound themselves
 * (bench_env.wait_limit_s) and report through watchdog_stuck().
 * Why a tick on the waiting boot CPU rather than polling: waiters sleep in
 * HLT (spinning vCPUs under TCG starve the working ones), and a tick that
 * only runs while the boot CPU waits disturbs no measurement.
 */
#ifndef KERNEL_LIB_WATCHDOG_H
#define KERNEL_LIB_WATCHDOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define WATCHDOG_TICK_MS 10
/* A CPU whose word changed this long ago and that still sleeps gets its wake-up again. */
#define WATCHDOG_RESEND_MS 100

/* BSP, after the TSC calibration, before any job: the tick's vector and the APIC timer's rate. */
void watchdog_init(void);
/* watchdog=S: seconds a wait may last (0: no limit). */
unsigned watchdog_limit_s(void);

/* This CPU starts sleeping until *word != old / has stopped (wait_while_equal). */
void watchdog_wait_begin(const _Atomic unsigned *word, unsigned old, uint64_t since);
void watchdog_wait_end(void);
/*
 * BSP, in a wait that began at TSC `since`, interrupts off: re-send lost
 * wake-ups, report a stuck CPU (does not return then), then sleep until the
 * next tick or any interrupt (sti; hlt). Returns with interrupts off.
 */
void watchdog_bsp_sleep(uint64_t since);
/* Re-send CPU `index`'s wake-up, reported (a line saying `where` it was waited for). */
void watchdog_resend(unsigned index, uint64_t waited_ticks, const char *where);

/* Report CPU `cpu` stuck in `phase` for `seconds`, stop every CPU, end the run. */
__attribute__((noreturn)) void watchdog_stuck(unsigned cpu, const char *phase, unsigned seconds);

#endif
