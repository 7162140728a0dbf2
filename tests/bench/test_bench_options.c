/*
 * Tests of the benchmarks' option parser (bench/options.c) and logfmt
 * formatter (bench/fmt.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fmt.h"
#include "options.h"

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
