/*
 * Tests of the portable benchmarks (bench/): tiny runs of every benchmark
 * for every allocator on host threads, whose RESULT lines must carry all
 * keys and consistent frag counts; the host's ENV line; the bounded
 * barrier. Correctness only: no assertion looks at a time. The option
 * parser and formatter: test_bench_options.c; frag's counts:
 * test_bench_frag.c.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_capture.h"
#include "host/env.h"
#include "options.h"
#include "run.h"

/* ---- tiny runs on host threads ---- */

static const char *const required[] = { "cores",   "order",	  "iteration", "memory",
					"allocs",  "get_min", "get_avg",   "get_max",
					"put_min", "put_avg", "put_max",   "metadata_bytes" };

#define FRAMES 16384u /* 64 MiB: a few trees, a run takes milliseconds */
#define ROUNDS 4

/* Every benchmark on cores 1 and 2, orders 0 and 9, one allocator. */
static void run_all(const char *alloc)
{
	struct bench_env env = test_env(FRAMES);
	struct bench_opts o;
	bench_opts_default(&o);
	cr_assert_null(bench_option(&o, "bench", "bulk,repeat,rand,frag"));
	cr_assert_null(bench_option(&o, "alloc", alloc));
	cr_assert_null(bench_option(&o, "cores", "1,2"));
	cr_assert_null(bench_option(&o, "iterations", "2"));
	cr_assert_null(bench_option(&o, "rounds", "4"));
	int rc = bench_main(&env, &o);
	if (rc || count_tag("ERROR"))
		dump_output();
	cr_assert_eq(rc, 0);
	cr_assert_eq(count_tag("ERROR"), 0);
	bool order9 = strcmp(alloc, "list") != 0;

	/* bulk, repeat, rand: 2 core counts x 2 iterations x orders; frag: rounds 1..R per run */
	unsigned timed = 3 * 2 * 2 * (order9 ? 2 : 1);
	unsigned frag = 2 * 2 * ROUNDS;
	cr_assert_eq(count_tag("RESULT "), timed + frag);
	cr_assert_eq(count_tag("WARN "), order9 ? 0 : 3 * 2);

	char want_alloc[32];
	snprintf(want_alloc, sizeof(want_alloc), "alloc=%s", alloc);
	for (unsigned i = 0; i < nout; i++) {
		const char *l = out[i];
		if (strncmp(l, "RESULT ", 7) != 0)
			continue;
		uint64_t v, order, cores;
		cr_assert(has_word(l, want_alloc), "%s", l);
		for (unsigned k = 0; k < sizeof(required) / sizeof(required[0]); k++)
			cr_assert(get_key(l, required[k], &v), "no %s in: %s", required[k], l);
		cr_assert(get_key(l, "memory", &v) && v == FRAMES * 4096ull, "%s", l);
		cr_assert(get_key(l, "order", &order) && get_key(l, "cores", &cores));
		if (!strstr(l, "bench=frag")) {
			cr_assert(get_key(l, "allocs", &v) && v == (FRAMES / 2 / 2) >> order,
				  "allocs = frames / T / 2 >> order: %s", l);
			continue;
		}
		uint64_t round, allocated, free_frames, free_huge, free_areas, moves, allocs;
		cr_assert(get_key(l, "round", &round) && round >= 1 && round <= ROUNDS, "%s", l);
		cr_assert(get_key(l, "allocated", &allocated));
		cr_assert(get_key(l, "free_frames", &free_frames));
		cr_assert(get_key(l, "free_huge", &free_huge));
		cr_assert(get_key(l, "free_areas", &free_areas));
		cr_assert(get_key(l, "moves", &moves));
		cr_assert(get_key(l, "allocs", &allocs));
		cr_assert_eq(order, 0);
		cr_assert_eq(allocated + free_frames, FRAMES, "free frames inconsistent: %s", l);
		/* 90 % filled in chunks of floor(0.9 * frames / T), the second half of each freed. */
		uint64_t chunk = FRAMES * 9 / 10 / cores;
		cr_assert_eq(allocated, cores * (chunk - chunk / 2), "%s", l);
		cr_assert_leq(free_huge, free_areas, "%s", l);
		cr_assert_leq(free_areas * 512, free_frames, "%s", l);
		cr_assert_leq(moves, allocated, "%s", l);
		/* floor(K / 10) of each core's K frames per round */
		cr_assert_eq(allocs, cores * ((chunk - chunk / 2) / 10), "%s", l);
		/* The last round: as many 2 MiB frames allocated as areas were entirely free. */
		if (round == ROUNDS && order9)
			cr_assert(get_key(l, "huge_got", &v) && v == free_huge, "%s", l);
		else
			cr_assert(!get_key(l, "huge_got", &v), "%s", l);
	}
	clear_output();
}

Test(run, llfree, .timeout = 60)
{
	run_all("llfree");
}

Test(run, buddy, .timeout = 60)
{
	run_all("buddy");
}

Test(run, list, .timeout = 60)
{
	run_all("list");
}

Test(run, header_and_progress_lines, .timeout = 30)
{
	struct bench_env env = test_env(FRAMES);
	struct bench_opts o;
	bench_opts_default(&o);
	cr_assert_null(bench_option(&o, "bench", "bulk"));
	cr_assert_null(bench_option(&o, "alloc", "buddy"));
	cr_assert_null(bench_option(&o, "cores", "2"));
	cr_assert_null(bench_option(&o, "orders", "0"));
	cr_assert_null(bench_option(&o, "iterations", "1"));
	cr_assert_null(bench_option(&o, "mem", "50"));
	cr_assert_eq(bench_main(&env, &o), 0);
	cr_assert_eq(nout, 3);
	uint64_t v;
	cr_assert(strncmp(out[0], "BENCH ", 6) == 0);
	cr_assert(get_key(out[0], "frames", &v) && v == FRAMES / 2, "mem=50: %s", out[0]);
	cr_assert(strncmp(out[1], "PROGRESS bench=bulk alloc=buddy cores=2 order=0", 47) == 0);
	cr_assert(get_key(out[2], "allocs", &v) && v == FRAMES / 2 / 2 / 2, "%s", out[2]);
	clear_output();
}

Test(run, more_cores_than_cpus_is_an_error)
{
	struct bench_env env = test_env(FRAMES);
	struct bench_opts o;
	bench_opts_default(&o);
	char cores[16];
	snprintf(cores, sizeof(cores), "%u", env.cpus + 1);
	cr_assert_null(bench_option(&o, "cores", cores));
	cr_assert_eq(bench_main(&env, &o), 1);
	cr_assert_eq(nout, 1);
	cr_assert(strstr(out[0], "ERROR msg=\"cores="), "%s", out[0]);
	clear_output();
}

Test(run, too_little_memory_is_skipped_with_a_warning)
{
	struct bench_env env = test_env(512);
	struct bench_opts o;
	bench_opts_default(&o);
	cr_assert_null(bench_option(&o, "bench", "bulk"));
	cr_assert_null(bench_option(&o, "alloc", "buddy"));
	cr_assert_null(bench_option(&o, "cores", "2"));
	cr_assert_null(bench_option(&o, "orders", "9"));
	cr_assert_eq(bench_main(&env, &o), 0);
	cr_assert_eq(count_tag("RESULT"), 0);
	cr_assert_eq(count_tag("WARN msg=\"memory too small"), 1);
	clear_output();
}

Test(host, env_line_has_the_required_keys)
{
	struct bench_env env;
	struct host_info info;
	cr_assert(host_env_init(&env, &info, 1));
	char line[256];
	host_env_line(&info, line, sizeof(line));
	cr_assert(strncmp(line, "ENV hypervisor=", 15) == 0, "%s", line);
	const char *keys[] = { " cpu=", " tsc_hz=", " tsc_source=clock_gettime ",
			       " invariant_tsc=", " apic=none ", " cpus=" };
	for (unsigned i = 0; i < 6; i++)
		cr_assert(strstr(line, keys[i]), "no %s in %s", keys[i], line);
	cr_assert_gt(info.tsc_hz, 1000000);
	cr_assert_geq(info.cpus, 1);
}

/*
 * One 16 MiB tree shared by two cores (less memory than cores x tree size, as
 * with many vCPUs in little RAM): half of memory must still be allocatable
 * by both cores together. LLFree must drain and steal the other core's
 * reservation before it reports out of memory (shared/design/llfree.md, 2).
 */
Test(run, one_tree_two_cores, .timeout = 60)
{
	struct bench_env env = test_env(LLFREE_TREE_FRAMES);
	struct bench_opts o;
	bench_opts_default(&o);
	cr_assert_null(bench_option(&o, "bench", "bulk,rand,frag"));
	cr_assert_null(bench_option(&o, "alloc", "llfree,buddy"));
	cr_assert_null(bench_option(&o, "cores", "2"));
	cr_assert_null(bench_option(&o, "orders", "0"));
	cr_assert_null(bench_option(&o, "iterations", "10"));
	cr_assert_null(bench_option(&o, "rounds", "2"));
	int rc = bench_main(&env, &o);
	if (rc)
		dump_output();
	cr_assert_eq(rc, 0);
	cr_assert_eq(count_tag("ERROR"), 0);
	clear_output();
}

Test(run, incomplete_env_is_refused)
{
	struct bench_env env = test_env(FRAMES);
	struct bench_opts o;
	bench_opts_default(&o);
	env.tsc_hz = 0;
	cr_assert_eq(bench_main(&env, &o), 1);
	cr_assert_eq(nout, 1);
	cr_assert(strstr(out[0], "ERROR msg=\"bench_env incomplete"), "%s", out[0]);
	clear_output();
}

/* ---- the bounded barrier ---- */

static jmp_buf stuck_jump;
static unsigned stuck_core, stuck_seconds, stuck_calls;
static char stuck_where[32];

/* env.stuck must not return: this one jumps back into the test. */
static void record_stuck(unsigned core, const char *where, unsigned seconds)
{
	stuck_core = core;
	stuck_seconds = seconds;
	stuck_calls++;
	snprintf(stuck_where, sizeof(stuck_where), "%s", where);
	longjmp(stuck_jump, 1);
}

/* Core 2 has arrived (and waits), core 1 never comes: core 0 names core 1 after the limit. */
Test(barrier, names_the_core_that_never_arrives)
{
	struct bench_env env = test_env(FRAMES);
	env.wait_limit_s = 1;
	env.stuck = record_stuck;
	struct core_stat stats[3] = { { .op = OP_NONE }, { .op = OP_NONE }, { .op = OP_NONE } };
	struct run r = { .env = &env, .bench = BENCH_RAND, .cores = 3, .stats = stats };
	atomic_store(&stats[2].arrived, 1);
	atomic_store(&r.arrived, 1);
	stuck_calls = 0;
	if (setjmp(stuck_jump) == 0) {
		run_barrier(&r, 0);
		cr_assert_fail("run_barrier returned although core 1 never arrived");
	}
	cr_assert_eq(stuck_calls, 1);
	cr_assert_eq(stuck_core, 1);
	cr_assert_str_eq(stuck_where, "rand");
	cr_assert_eq(stuck_seconds, 1);
}

static void *barrier_thread(void *arg)
{
	struct run *r = arg;
	for (int i = 0; i < 100; i++)
		run_barrier(r, 1);
	return NULL;
}

/* Both cores meet 100 times: the bound never fires. */
Test(barrier, bounded_barrier_passes_when_all_arrive)
{
	struct bench_env env = test_env(FRAMES);
	env.wait_limit_s = 1;
	env.stuck = record_stuck;
	struct core_stat stats[2] = { { .op = OP_NONE }, { .op = OP_NONE } };
	struct run r = { .env = &env, .bench = BENCH_BULK, .cores = 2, .stats = stats };
	pthread_t t;
	stuck_calls = 0;
	if (setjmp(stuck_jump) != 0)
		cr_assert_fail("stuck() called for core %u although both arrive", stuck_core);
	cr_assert_eq(pthread_create(&t, NULL, barrier_thread, &r), 0);
	for (int i = 0; i < 100; i++)
		run_barrier(&r, 0);
	pthread_join(t, NULL);
	cr_assert_eq(stuck_calls, 0);
	cr_assert_eq(atomic_load(&r.generation), 100);
}
