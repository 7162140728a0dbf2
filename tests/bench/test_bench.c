/*
 * Tests of the portable benchmarks (bench/): the option parser, the logfmt
 * formatter, and tiny runs of every benchmark for every allocator on host
 * threads whose RESULT lines must carry all keys and consistent frag counts.
 * Correctness only: no assertion looks at a time.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fmt.h"
#include "host/env.h"
#include "options.h"
#include "run.h"

/* ---- options ---- */

Test(options, defaults)
{
	struct bench_opts o;
	bench_opts_default(&o);
	cr_assert_eq(o.nbenches, 3);
	cr_assert_eq(o.benches[0], BENCH_BULK);
	cr_assert_eq(o.benches[1], BENCH_REPEAT);
	cr_assert_eq(o.benches[2], BENCH_RAND);
	cr_assert_eq(o.nallocs, 2);
	cr_assert_eq(o.allocs[0], BALLOC_LLFREE);
	cr_assert_eq(o.allocs[1], BALLOC_BUDDY);
	cr_assert_eq(o.norders, 2);
	cr_assert_eq(o.orders[0], 0);
	cr_assert_eq(o.orders[1], 9);
	cr_assert_eq(o.ncores, 0);
	cr_assert_eq(o.iterations, BENCH_DEFAULT_ITERATIONS);
	cr_assert_eq(o.rounds, BENCH_DEFAULT_ROUNDS);
	cr_assert_eq(o.mem_percent, BENCH_DEFAULT_MEM_PERCENT);
	cr_assert_eq(o.memory, 0);
}

static void expect_cores(const struct bench_opts *o, unsigned cpus, const unsigned *want,
			 unsigned n)
{
	unsigned got[BENCH_MAX_LIST];
	cr_assert_eq(bench_cores(o, cpus, got, BENCH_MAX_LIST), n, "cpus=%u", cpus);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(got[i], want[i], "cpus=%u index %u", cpus, i);
}

Test(options, default_cores_are_powers_of_two_plus_all)
{
	struct bench_opts o;
	bench_opts_default(&o);
	expect_cores(&o, 1, (unsigned[]){ 1 }, 1);
	expect_cores(&o, 2, (unsigned[]){ 1, 2 }, 2);
	expect_cores(&o, 6, (unsigned[]){ 1, 2, 4, 6 }, 4);
	expect_cores(&o, 8, (unsigned[]){ 1, 2, 4, 8 }, 4);
	expect_cores(&o, 26, (unsigned[]){ 1, 2, 4, 8, 16, 26 }, 6);
	cr_assert_null(bench_option(&o, "cores", "3,1"));
	expect_cores(&o, 2, (unsigned[]){ 3, 1 }, 2);
}

Test(options, every_option_sets_its_field)
{
	struct bench_opts o;
	bench_opts_default(&o);
	cr_assert_null(bench_option(&o, "bench", "frag,bulk"));
	cr_assert_eq(o.nbenches, 2);
	cr_assert_eq(o.benches[0], BENCH_FRAG);
	cr_assert_eq(o.benches[1], BENCH_BULK);
	cr_assert_null(bench_option(&o, "alloc", "list,buddy,llfree"));
	cr_assert_eq(o.nallocs, 3);
	cr_assert_eq(o.allocs[0], BALLOC_LIST);
	cr_assert_eq(o.allocs[2], BALLOC_LLFREE);
	cr_assert_null(bench_option(&o, "orders", "10,0,3"));
	cr_assert_eq(o.norders, 3);
	cr_assert_eq(o.orders[0], 10);
	cr_assert_eq(o.orders[2], 3);
	cr_assert_null(bench_option(&o, "cores", "1,2,4,1024"));
	cr_assert_eq(o.ncores, 4);
	cr_assert_eq(o.cores[3], 1024);
	cr_assert_null(bench_option(&o, "iterations", "7"));
	cr_assert_eq(o.iterations, 7);
	cr_assert_null(bench_option(&o, "rounds", "12"));
	cr_assert_eq(o.rounds, 12);
	cr_assert_null(bench_option(&o, "mem", "100"));
	cr_assert_eq(o.mem_percent, 100);
	cr_assert_null(bench_option(&o, "mem", "1"));
	cr_assert_eq(o.mem_percent, 1);
	cr_assert_null(bench_option(&o, "mem_percent", "30"), "the new name of mem");
	cr_assert_eq(o.mem_percent, 30);
	const char *err = bench_option(&o, "mem_percent", "2G");
	cr_assert(err && strstr(err, "memory=SIZE"), "a size points to memory=: %s", err ? err : "(accepted)");
	cr_assert_eq(o.mem_percent, 30);
}

Test(options, memory_sizes)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} cases[] = {
		{ "4096", 4096 },	  { "1K", 1024 },	   { "1k", 1024 },
		{ "512M", 512ull << 20 }, { "64MiB", 64ull << 20 }, { "4G", 4ull << 30 },
		{ "2GB", 2ull << 30 },	  { "1T", 1ull << 40 },
	};
	struct bench_opts o;
	bench_opts_default(&o);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_null(bench_option(&o, "memory", cases[i].text), "%s", cases[i].text);
		cr_assert_eq(o.memory, cases[i].bytes, "%s", cases[i].text);
	}
}

Test(options, bad_values_are_refused_and_change_nothing)
{
	static const char *const bad[][2] = {
		{ "bench", "foo" },	    { "bench", "" },	       { "bench", "bulk," },
		{ "bench", ",bulk" },	    { "bench", "Bulk" },       { "alloc", "slab" },
		{ "alloc", "llfree,,buddy" }, { "orders", "11" },      { "orders", "a" },
		{ "orders", "-1" },	    { "orders", "0 9" },       { "cores", "0" },
		{ "cores", "1025" },	    { "cores", "1,,2" },       { "iterations", "0" },
		{ "iterations", "-1" },	    { "iterations", "2x" },    { "iterations", "" },
		{ "rounds", "x" },	    { "rounds", "0" },	       { "mem", "0" },
		{ "mem", "101" },	    { "mem", "50%" },	       { "memory", "4X" },
		{ "memory", "" },	    { "memory", "G" },	       { "memory", "0" },
		{ "memory", "1Q" },	    { "memory", "99999999999999999999" },
		{ "memory", "20000000T" }, { "iterations", "99999999999999999999" },
		{ "unknown", "1" },	    { "", "1" },
	};
	struct bench_opts o, before;
	bench_opts_default(&o);
	cr_assert_null(bench_option(&o, "cores", "1,2"));
	memcpy(&before, &o, sizeof(o)); /* bytes, padding included: compared with memcmp below */
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *err = bench_option(&o, bad[i][0], bad[i][1]);
		cr_assert_not_null(err, "%s=%s accepted", bad[i][0], bad[i][1]);
		cr_assert_gt(strlen(err), 10);
		cr_assert(memcmp(&o, &before, sizeof(o)) == 0, "%s=%s changed the options", bad[i][0],
			  bad[i][1]);
	}
}

Test(options, errors_name_the_valid_choices)
{
	struct bench_opts o;
	bench_opts_default(&o);
	cr_assert(strstr(bench_option(&o, "bench", "x"), "bulk, repeat, rand, frag"));
	cr_assert(strstr(bench_option(&o, "alloc", "x"), "llfree, buddy"));
	cr_assert(strstr(bench_option(&o, "nope", "x"), "bench alloc orders cores"));
}

Test(options, list_longer_than_the_limit_is_refused)
{
	char list[4 * (BENCH_MAX_LIST + 1)] = "";
	for (unsigned i = 0; i <= BENCH_MAX_LIST; i++)
		strcat(list, i ? ",1" : "1");
	struct bench_opts o;
	bench_opts_default(&o);
	cr_assert_not_null(bench_option(&o, "cores", list));
	list[strlen(list) - 2] = '\0'; /* exactly BENCH_MAX_LIST items */
	cr_assert_null(bench_option(&o, "cores", list));
	cr_assert_eq(o.ncores, BENCH_MAX_LIST);
}

Test(options, known_keys)
{
	const char *keys[] = { "bench", "alloc", "orders", "cores", "iterations",
			       "rounds", "mem_percent", "mem", "memory" };
	for (unsigned i = 0; i < 9; i++)
		cr_assert(bench_option_known(keys[i]), "%s", keys[i]);
	cr_assert_not(bench_option_known("console"));
	cr_assert_not(bench_option_known("benchx"));
	cr_assert_not(bench_option_known(""));
}

/* ---- formatter ---- */

Test(fmt, numbers_and_strings)
{
	char buf[128];
	struct fmt f;
	fmt_init(&f, buf, sizeof(buf));
	fmt_str(&f, "TAG");
	fmt_kv_u64(&f, "zero", 0);
	fmt_kv_u64(&f, "max", UINT64_MAX);
	fmt_kv_str(&f, "plain", "abc");
	fmt_kv_str(&f, "space", "a b");
	fmt_kv_str(&f, "empty", "");
	fmt_kv_str(&f, "quote", "say \"hi\"\\");
	cr_assert_str_eq(buf, "TAG zero=0 max=18446744073709551615 plain=abc space=\"a b\" "
			      "empty=\"\" quote=\"say \\\"hi\\\"\\\\\"");
	cr_assert_not(f.truncated);
	cr_assert_eq(f.len, strlen(buf));
}

Test(fmt, first_pair_has_no_leading_space)
{
	char buf[16];
	struct fmt f;
	fmt_init(&f, buf, sizeof(buf));
	fmt_kv_u64(&f, "a", 12);
	cr_assert_str_eq(buf, "a=12");
}

Test(fmt, truncates_within_bounds)
{
	char buf[8 + 1];
	memset(buf, 'x', sizeof(buf));
	struct fmt f;
	fmt_init(&f, buf, 8);
	fmt_str(&f, "RESULT");
	fmt_kv_u64(&f, "n", 12345);
	cr_assert(f.truncated);
	cr_assert_eq(f.len, 7);
	cr_assert_str_eq(buf, "RESULT ");
	cr_assert_eq(buf[8], 'x', "wrote past the buffer");
	fmt_init(&f, buf, 1);
	fmt_u64(&f, 5);
	cr_assert_str_eq(buf, "");
	cr_assert(f.truncated);
}

Test(fmt, result_line)
{
	struct bench_result r = {
		.bench = BENCH_BULK, .alloc = BALLOC_BUDDY, .cores = 4, .order = 9,
		.iteration = 2, .memory = 1 << 30, .allocs = 64, .get_min = 1, .get_avg = 2,
		.get_max = 3, .put_min = 4, .put_avg = 5, .put_max = 6, .metadata = 4096,
	};
	char buf[512];
	bench_format_result(&r, buf, sizeof(buf));
	cr_assert_str_eq(buf, "RESULT bench=bulk alloc=buddy cores=4 order=9 iteration=2 "
			      "memory=1073741824 allocs=64 get_min=1 get_avg=2 get_max=3 put_min=4 "
			      "put_avg=5 put_max=6 metadata_bytes=4096");
	r.bench = BENCH_FRAG;
	r.alloc = BALLOC_LLFREE;
	r.round = 7;
	r.rounds = 8;
	r.allocated = 100;
	r.free_frames = 924;
	r.free_huge = 1;
	r.free_areas = 1;
	r.moves = 12;
	r.huge_got = 1;
	bench_format_result(&r, buf, sizeof(buf));
	cr_assert(strstr(buf, "RESULT bench=frag alloc=llfree "));
	char want[256];
	snprintf(want, sizeof(want),
		 " metadata_bytes=4096 tree_areas=%u round=7 rounds=8 fill_percent=90 "
		 "churn_percent=10 seed=42 kind=movable allocated=100 free_frames=924 free_huge=1 "
		 "huge_share=0.5541 free_areas=1 moves=12",
		 LLFREE_AREAS_PER_TREE);
	cr_assert(strstr(buf, want), "%s", buf);
	cr_assert(!strstr(buf, "huge_got"), "only the last round has huge_got: %s", buf);
	r.round = 8;
	bench_format_result(&r, buf, sizeof(buf));
	cr_assert(strstr(buf, " moves=12 huge_got=1"), "%s", buf);
}

Test(fmt, fraction_has_four_decimals_rounded_down)
{
	char buf[64];
	struct fmt f;
	static const struct { uint64_t num, den; const char *text; } cases[] = {
		{ 0, 7, "x=0.0000" },	 { 1, 3, "x=0.3333" },	   { 2, 3, "x=0.6666" },
		{ 512, 512, "x=1.0000" }, { 9999, 10000, "x=0.9999" }, { 5, 0, "x=0.0000" },
		{ UINT64_MAX - 1, UINT64_MAX, "x=0.9999" },	     { 7, 2, "x=3.5000" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fmt_init(&f, buf, sizeof(buf));
		fmt_kv_fraction(&f, "x", cases[i].num, cases[i].den);
		cr_assert_str_eq(buf, cases[i].text, "%lu/%lu", (unsigned long)cases[i].num,
				 (unsigned long)cases[i].den);
	}
}

/* ---- tiny runs on host threads ---- */

#define OUT_MAX 4096
static char *out[OUT_MAX];
static unsigned nout;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void capture(const char *line)
{
	pthread_mutex_lock(&out_lock);
	if (nout < OUT_MAX)
		out[nout++] = strdup(line);
	pthread_mutex_unlock(&out_lock);
}

static void clear_output(void)
{
	for (unsigned i = 0; i < nout; i++)
		free(out[i]);
	nout = 0;
}

/* Value of ` key=` in a logfmt line (numbers only); false if absent. */
static bool get_key(const char *line, const char *key, uint64_t *v)
{
	char pat[64];
	snprintf(pat, sizeof(pat), " %s=", key);
	const char *p = strstr(line, pat);
	if (!p)
		return false;
	char *end;
	*v = strtoull(p + strlen(pat), &end, 10);
	return *end == ' ' || *end == '\0';
}

static bool has_word(const char *line, const char *pair)
{
	char pat[64];
	snprintf(pat, sizeof(pat), " %s ", pair);
	size_t n = strlen(pair);
	size_t len = strlen(line);
	return strstr(line, pat) || (len > n && strcmp(line + len - n, pair) == 0 &&
				     line[len - n - 1] == ' ');
}

static struct bench_env test_env(uint64_t frames)
{
	struct bench_env env;
	struct host_info info;
	cr_assert(host_env_init(&env, &info, frames));
	if (env.cpus < 2)
		env.cpus = 2; /* two threads even on one CPU: spinning yields then */
	env.print = capture;
	clear_output();
	return env;
}

static unsigned count_tag(const char *tag)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nout; i++)
		n += strncmp(out[i], tag, strlen(tag)) == 0;
	return n;
}

static void dump_output(void)
{
	for (unsigned i = 0; i < nout; i++)
		fprintf(stderr, "  %s\n", out[i]);
}

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

/*
 * frag's counts on a known state: 4 areas holding 512, 300, 10 and 0
 * allocated frames. Keeping the ceil(822/512) = 2 fullest areas, 10 frames
 * must move; one area is entirely free.
 */
Test(frag, measure_counts_moves_and_free_areas)
{
	struct bench_env env = test_env(4 * 512);
	struct balloc alloc;
	cr_assert_null(balloc_init(&alloc, BALLOC_LIST, &env, 2, 4 * 512));
	static uint64_t slots[822];
	static uint16_t area_count[5];
	static uint64_t histogram[513];
	struct core_stat stats[2] = { { .lo = 0, .live = 512 + 150 }, { .lo = 662, .live = 160 } };
	unsigned n = 0;
	for (unsigned i = 0; i < 512; i++)
		slots[n++] = i;
	for (unsigned i = 0; i < 300; i++)
		slots[n++] = 512 + 511 - i;
	for (unsigned i = 0; i < 10; i++)
		slots[n++] = 1024 + 7 * i;
	cr_assert_eq(n, 822);
	slots[700] = NO_FRAME; /* an empty slot (failed re-allocation) is not counted... */
	slots[821] = NO_FRAME; /* ...so: 512, 299, 9, 0 */
	struct run r = { .env = &env, .alloc = &alloc, .cores = 2, .slots = slots, .stats = stats,
			 .area_count = area_count, .histogram = histogram };
	struct frag_round out;
	frag_measure(&r, &out);
	cr_assert_eq(out.allocated, 820);
	cr_assert_eq(out.moves, 9, "keep areas with 512 and 299: %lu", (unsigned long)out.moves);
	cr_assert_eq(out.free_areas, 1);
	cr_assert_eq(out.free_frames, 4 * 512, "the list allocator itself holds nothing");

	/* A third whole area is kept once A exceeds 1024: all frames stay. */
	stats[0].live = 0;
	stats[1] = (struct core_stat){ .lo = 0, .live = 512 };
	frag_measure(&r, &out);
	cr_assert_eq(out.allocated, 512);
	cr_assert_eq(out.moves, 0);
	cr_assert_eq(out.free_areas, 3);
	balloc_fini(&alloc);
	clear_output();
}

/*
 * frag's H for the buddy allocator counts its free lists only: frames in a
 * per-core cache are free, but their 2 MiB block is not whole on the lists
 * (shared/design/benchmarks.md, "frag"). The benchmark's own view (areas
 * holding none of its frames) still counts them.
 */
Test(frag, buddy_free_areas_without_its_caches)
{
	enum { AREAS = 32 }; /* enough that both caches are on (at most 1/8 of the frames each) */
	struct bench_env env = test_env(AREAS * 512);
	struct balloc alloc;
	cr_assert_null(balloc_init(&alloc, BALLOC_BUDDY, &env, 1, AREAS * 512));
	static uint64_t slots[1];
	static uint16_t area_count[AREAS + 1];
	static uint64_t histogram[513];
	struct core_stat stats[1] = { { .lo = 0, .live = 0 } };
	struct run r = { .env = &env, .alloc = &alloc, .cores = 1, .slots = slots, .stats = stats,
			 .area_count = area_count, .histogram = histogram };
	struct frag_round out;
	frag_measure(&r, &out);
	cr_assert_eq(out.free_huge, AREAS);
	cr_assert_eq(out.free_areas, AREAS);

	/* One 4 KiB frame taken and given back: its batch stays in core 0's cache. */
	uint64_t frame;
	cr_assert_eq(balloc_get(&alloc, 0, 0, &frame), 0);
	cr_assert_eq(balloc_put(&alloc, 0, frame, 0), 0);
	cr_assert_gt(buddy_cache_count(alloc.u.buddy, 0, 0), 0);
	frag_measure(&r, &out);
	cr_assert_eq(out.free_frames, AREAS * 512, "cached frames are free");
	cr_assert_eq(out.free_huge, AREAS - 1, "the cached batch broke one 2 MiB block of the lists");
	cr_assert_eq(out.free_areas, AREAS, "the benchmark holds nothing");
	cr_assert_eq(out.moves, 0);

	/* 2 MiB blocks in the order-9 cache are not on the lists either. */
	cr_assert_eq(balloc_get(&alloc, 0, LLFREE_HUGE_ORDER, &frame), 0);
	cr_assert_eq(balloc_put(&alloc, 0, frame, LLFREE_HUGE_ORDER), 0);
	uint32_t cached = buddy_cache_count(alloc.u.buddy, 0, LLFREE_HUGE_ORDER);
	cr_assert_gt(cached, 0);
	frag_measure(&r, &out);
	cr_assert_eq(out.free_huge, AREAS - 1 - cached, "cached 2 MiB blocks are not counted");
	cr_assert_eq(buddy_free_huge(alloc.u.buddy), AREAS - 1, "buddy_free_huge counts them");

	/* Drained, the lists are whole again. */
	balloc_drain(&alloc, 0);
	frag_measure(&r, &out);
	cr_assert_eq(out.free_huge, AREAS);
	balloc_fini(&alloc);
	clear_output();
}

/* LLFree's H is its entirely free areas; moves count frames outside the fullest areas. */
Test(frag, llfree_free_areas_and_moves)
{
	struct bench_env env = test_env(4 * 512);
	struct balloc alloc;
	cr_assert_null(balloc_init(&alloc, BALLOC_LLFREE, &env, 1, 4 * 512));
	static uint64_t slots[3];
	static uint16_t area_count[5];
	static uint64_t histogram[513];
	struct core_stat stats[1] = { { .lo = 0, .live = 3 } };
	struct run r = { .env = &env, .alloc = &alloc, .cores = 1, .slots = slots, .stats = stats,
			 .area_count = area_count, .histogram = histogram };
	/* Frames in areas 0, 0 and 2: A = 3, one area kept (area 0, two frames), one move. */
	static const uint64_t at[3] = { 5, 511, 1030 };
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(llfree_get_at(&alloc.u.llfree, 0, at[i], 0, LLFREE_KIND_MOVABLE),
			     LLFREE_OK);
		slots[i] = at[i];
	}
	struct frag_round out;
	frag_measure(&r, &out);
	cr_assert_eq(out.allocated, 3);
	cr_assert_eq(out.free_frames, 4 * 512 - 3);
	cr_assert_eq(out.free_huge, 2, "areas 1 and 3");
	cr_assert_eq(out.free_areas, 2);
	cr_assert_eq(out.moves, 1);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(balloc_put(&alloc, 0, at[i], 0), 0);
	balloc_fini(&alloc);
	clear_output();
}

/* The frag RESULT lines of one run as (round -> huge_share, moves). */
struct frag_line {
	uint64_t round, free_frames, free_huge, moves, allocated;
	bool seen;
};

static void frag_lines(struct frag_line *lines, unsigned rounds, const char *alloc)
{
	char want[32];
	snprintf(want, sizeof(want), "alloc=%s", alloc);
	for (unsigned i = 0; i < nout; i++) {
		const char *l = out[i];
		struct frag_line f = { .seen = true };
		if (strncmp(l, "RESULT bench=frag ", 18) != 0 || !has_word(l, want))
			continue;
		cr_assert(get_key(l, "round", &f.round) && f.round >= 1 && f.round <= rounds);
		cr_assert(get_key(l, "free_frames", &f.free_frames) &&
			  get_key(l, "free_huge", &f.free_huge) && get_key(l, "moves", &f.moves) &&
			  get_key(l, "allocated", &f.allocated));
		lines[f.round] = f;
	}
}

/*
 * The placement regression check: frag on one core, 1 GiB, fixed seeds (the
 * benchmark's), 60 rounds. LLFree refills its fullest trees, so the others
 * drain: by round 60 most free memory must be whole 2 MiB areas and
 * compaction must have little left to move (an LLFree that spreads its
 * allocations over every partly filled tree keeps H at the untouched 10 %
 * and moves at about a quarter of what it holds).
 */
#define REGRESSION_ROUNDS 60
Test(frag, placement_drains_trees, .timeout = 120)
{
	struct bench_env env = test_env(1ull << 18); /* 1 GiB */
	struct bench_opts o;
	bench_opts_default(&o);
	cr_assert_null(bench_option(&o, "bench", "frag"));
	cr_assert_null(bench_option(&o, "alloc", "llfree"));
	cr_assert_null(bench_option(&o, "cores", "1"));
	cr_assert_null(bench_option(&o, "iterations", "1"));
	cr_assert_null(bench_option(&o, "rounds", "60"));
	int rc = bench_main(&env, &o);
	if (rc)
		dump_output();
	cr_assert_eq(rc, 0);
	static struct frag_line lines[REGRESSION_ROUNDS + 1];
	memset(lines, 0, sizeof(lines));
	frag_lines(lines, REGRESSION_ROUNDS, "llfree");
	for (unsigned i = 1; i <= REGRESSION_ROUNDS; i++)
		cr_assert(lines[i].seen, "no RESULT for round %u", i);
	const struct frag_line *last = &lines[REGRESSION_ROUNDS];
	cr_assert_gt(last->free_huge * 512 * 2, last->free_frames,
		     "round %d: only %lu of %lu free frames in whole 2 MiB areas", REGRESSION_ROUNDS,
		     (unsigned long)(last->free_huge * 512), (unsigned long)last->free_frames);
	cr_assert_lt(last->moves * 20, last->allocated,
		     "round %d: %lu page moves for %lu allocated frames (5 %% at most)",
		     REGRESSION_ROUNDS, (unsigned long)last->moves, (unsigned long)last->allocated);
	/* Round 1 is still flat: the untouched 10 % of memory, no more. */
	cr_assert_lt(lines[1].free_huge * 512 * 4, lines[1].free_frames);
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
