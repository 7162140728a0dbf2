/*
 * Run a function on cores 0 .. n-1 at once (core 0 is the BSP, the caller).
 *
 * Idle APs sleep in HLT and are woken by a targeted fixed IPI
 * (APIC_VECTOR_WAKE); sleeping matters under QEMU TCG, where spinning vCPUs
 * would take host time from the working ones. A job is published as one
 * 64-bit ticket (generation, core count); every participant checks in, the
 * BSP raises the start flag when all have, so the cores begin together, and
 * run_cores returns when all have finished. The same primitive serves the
 * stress test and the benchmarks' bench_env.run.
 */
#ifndef KERNEL_LIB_RUN_CORES_H
#define KERNEL_LIB_RUN_CORES_H

#include <stdbool.h>

#include "arch/percpu.h"

typedef void (*core_fn)(unsigned core, void *arg);

/* Install the wake and spurious vectors and take interrupts (BSP, before APs start). */
void run_cores_init(void);
/*
 * Run fn(core, arg) on cores 0 .. cores-1 (cores <= percpu_count(); more is
 * clamped with a WARN) and wait for all. BSP only; not reentrant.
 */
void run_cores(unsigned cores, core_fn fn, void *arg);
/* Name of what the following jobs do, for the watchdog's report ("stress", "bench"). */
void run_cores_phase(const char *name);
const char *run_cores_phase_name(void);
/*
 * The watchdog's suspect in the job now running (BSP): the first AP that
 * neither finished it nor waits, else the first that has not finished; -1.
 */
int run_cores_stuck_cpu(void);
/*
 * Self-tests of the all-CPU stop: panic_cpu=N[,M] (those CPUs panic in a job
 * on all CPUs; the others must be stopped), hang_cpu=N (checks N is a CPU).
 */
void run_cores_selftest(void);
/* An AP's life after start-up: wait for jobs forever. */
__attribute__((noreturn)) void run_cores_ap_loop(struct percpu *cpu);

#endif
