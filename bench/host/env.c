/*
 * Host benchmark environment (env.h). The CPU's identification is the
 * kernel's (bench/cpu_ident.c), so both logs name a machine alike.
 */
#include "env.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

#include "fmt.h"

#define CALIBRATION_RUNS 5
#define CALIBRATION_NS 20000000ull /* 20 ms each */

static int cpu_ids[CPU_SETSIZE];
static unsigned ncpus;
static bool oversubscribed; /* more threads than CPUs: spinning must yield */
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t host_ticks(void)
{
	_mm_lfence();
	uint64_t t = __rdtsc();
	_mm_lfence();
	return t;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Median of several busy-waits of CALIBRATION_NS against CLOCK_MONOTONIC. */
static uint64_t calibrate_tsc(void)
{
	uint64_t hz[CALIBRATION_RUNS];
	for (unsigned i = 0; i < CALIBRATION_RUNS; i++) {
		uint64_t n0 = now_ns(), t0 = host_ticks(), n1;
		while ((n1 = now_ns()) - n0 < CALIBRATION_NS)
			;
		uint64_t t1 = host_ticks();
		hz[i] = (uint64_t)((unsigned __int128)(t1 - t0) * 1000000000u / (n1 - n0));
	}
	qsort(hz, CALIBRATION_RUNS, sizeof(hz[0]), cmp_u64);
	return hz[CALIBRATION_RUNS / 2];
}

static void find_cpus(void)
{
	cpu_set_t set;
	ncpus = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				cpu_ids[ncpus++] = i;
	}
	if (ncpus == 0) { /* no affinity information: run unpinned on one CPU */
		cpu_ids[0] = -1;
		ncpus = 1;
	}
}

int host_cpu_id(unsigned i)
{
	return cpu_ids[i % ncpus];
}

struct thread_arg {
	pthread_t thread;
	unsigned core;
	void (*fn)(unsigned core, void *arg);
	void *arg;
	atomic_bool *start;
};

static void *thread_main(void *p)
{
	struct thread_arg *t = p;
	int cpu = host_cpu_id(t->core);
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	while (!atomic_load_explicit(t->start, memory_order_acquire))
		sched_yield();
	t->fn(t->core, t->arg);
	return NULL;
}

/* Threads are created, pinned, and released together on one flag. */
static void host_run(unsigned cores, void (*fn)(unsigned core, void *arg), void *arg)
{
	struct thread_arg *t = calloc(cores, sizeof(*t));
	atomic_bool start = false;
	if (!t) {
		fprintf(stderr, "llfree-bench: out of memory for %u threads\n", cores);
		exit(1);
	}
	oversubscribed = cores > ncpus;
	for (unsigned i = 0; i < cores; i++) {
		t[i] = (struct thread_arg){ .core = i, .fn = fn, .arg = arg, .start = &start };
		if (pthread_create(&t[i].thread, NULL, thread_main, &t[i]) != 0) {
			fprintf(stderr, "llfree-bench: cannot start thread %u\n", i);
			exit(1);
		}
	}
	atomic_store_explicit(&start, true, memory_order_release);
	for (unsigned i = 0; i < cores; i++)
		pthread_join(t[i].thread, NULL);
	free(t);
}

static void host_relax(void)
{
	if (oversubscribed)
		sched_yield();
	else
		_mm_pause();
}

static void *host_alloc(size_t bytes)
{
	size_t rounded = (bytes + 63) & ~(size_t)63;
	return aligned_alloc(64, rounded ? rounded : 64);
}

static void host_free(void *p, size_t bytes)
{
	(void)bytes;
	free(p);
}

static void host_print(const char *line)
{
	pthread_mutex_lock(&print_lock);
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&print_lock);
}

/* A barrier that waited this long for a thread: it is stuck (a host busy with other work takes seconds, not minutes). */
#define HOST_WAIT_LIMIT_S 600

static void host_stuck(unsigned core, const char *where, unsigned seconds)
{
	char line[128];
	snprintf(line, sizeof(line), "ERROR msg=\"core %u stuck in %s for %u s\"", core, where, seconds);
	host_print(line);
	exit(1);
}

bool host_env_init(struct bench_env *env, struct host_info *info, uint64_t frames)
{
	find_cpus();
	cpu_ident_read(&info->cpu);
	info->tsc_hz = calibrate_tsc();
	info->cpus = ncpus;
	*env = (struct bench_env){
		.cpus = ncpus,
		.tsc_hz = info->tsc_hz,
		.frames = frames,
		.ticks = host_ticks,
		.run = host_run,
		.alloc = host_alloc,
		.free = host_free,
		.print = host_print,
		.relax = host_relax,
		.wait_limit_s = HOST_WAIT_LIMIT_S,
		.stuck = host_stuck,
	};
	return info->tsc_hz > 0;
}

void host_env_line(const struct host_info *info, char *buf, size_t cap)
{
	struct fmt f;
	fmt_init(&f, buf, cap);
	fmt_str(&f, "ENV");
	fmt_kv_str(&f, "hypervisor", info->cpu.hypervisor);
	fmt_kv_str(&f, "cpu", info->cpu.brand);
	fmt_kv_u64(&f, "tsc_hz", info->tsc_hz);
	fmt_kv_str(&f, "tsc_source", "clock_gettime");
	fmt_kv_u64(&f, "invariant_tsc", info->cpu.invariant_tsc);
	fmt_kv_str(&f, "apic", "none");
	fmt_kv_u64(&f, "cpus", info->cpus);
	fmt_kv_str(&f, "platform", "host");
}
