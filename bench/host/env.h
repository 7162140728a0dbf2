/*
 * The host's benchmark environment (struct bench_env for Linux user space):
 * pthreads pinned one per CPU, TSC ticks calibrated against CLOCK_MONOTONIC,
 * 64-byte aligned heap memory, and line-atomic printing to stdout. Also used
 * by tests/bench to run the benchmarks on the host.
 */
#ifndef BENCH_HOST_ENV_H
#define BENCH_HOST_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "bench.h"

struct host_info {
	char hypervisor[13]; /* CPUID 0x40000000 signature, "none" on bare metal */
	char cpu[49];        /* brand string, CPUID 0x80000002..4 */
	bool invariant_tsc;  /* CPUID 80000007h:EDX[8] */
	uint64_t tsc_hz;
	unsigned cpus;       /* CPUs this process may run on */
};

/* Fill env for `frames` frames; calibrates the TSC (about 0.1 s). Returns false on failure. */
bool host_env_init(struct bench_env *env, struct host_info *info, uint64_t frames);
/* The ENV line for this machine (shared/design/serial-log.md). */
void host_env_line(const struct host_info *info, char *buf, size_t cap);
/* The i-th CPU this process may run on (threads are pinned to these in order). */
int host_cpu_id(unsigned i);

#endif
