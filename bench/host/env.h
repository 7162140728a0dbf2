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
#include "cpu_ident.h"

struct host_info {
	struct cpu_ident cpu; /* hypervisor, brand string, invariant TSC: as the kernel reads them */
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
