/*
 * Stopping every other CPU when one panics or takes a fatal trap, so that
 * the dying CPU's report is the last thing on the console: an NMI to each
 * online CPU (Intel SDM Vol. 3A, 11.6.1, ICR delivery mode NMI), which
 * reaches even a CPU spinning with interrupts off, and a bounded wait until
 * each has marked itself CPU_STOPPED (arch/percpu.h).
 */
#ifndef KERNEL_ARCH_CPU_STOP_H
#define KERNEL_ARCH_CPU_STOP_H

/* Install the NMI handler and lib/panic.h's panic_stop_others hook (BSP, before APs start). */
void cpu_stop_init(void);

#endif
