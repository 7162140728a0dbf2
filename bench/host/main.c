/*
 * llfree-bench: the benchmarks of bench/bench.c on this machine, with
 * pthreads pinned one per CPU. Options are the kernel command line's
 * (bench/options.h) as flags: --bench=bulk,repeat --cores=1,2 ...
 * Output: ENV, BENCH, PROGRESS, RESULT and DONE lines (logfmt), then a table
 * of buddy/LLFree time ratios for people.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "env.h"
#include "table.h"

#define DEFAULT_MEMORY (4ull << 30)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: llfree-bench [--OPTION=VALUE]...\n"
		"Runs the LLFree benchmarks (shared/design/benchmarks.md) on pinned threads.\n"
		"Options (also accepted as OPTION=VALUE, the kernel command-line form):\n"
		"  --bench=LIST       bulk,repeat,rand,frag (default bulk,repeat,rand)\n"
		"  --alloc=LIST       llfree,buddy,list (default llfree,buddy)\n"
		"  --orders=LIST      orders 0..%u for bulk/repeat/rand (default 0,9); frag uses 0\n"
		"  --cores=LIST       core counts (default powers of two up to all CPUs, plus all)\n"
		"  --iterations=N     runs of each, allocator re-initialized each time (default %u)\n"
		"  --rounds=N         frag rounds (default %u)\n"
		"  --mem_percent=PERCENT share of --memory the allocators manage (default %u;\n"
		"                     --mem= is its old name)\n"
		"  --memory=SIZE      size of the managed region, suffix K/M/G/T (default 4G)\n"
		"  --cpus=N           run up to N threads although fewer CPUs are here: threads\n"
		"                     share the CPUs round-robin (for frag's counts; times then\n"
		"                     mean little). Default: the CPUs this process may use\n"
		"  -h, --help         this text\n"
		"Per core, bulk/repeat/rand allocate frames/T/2 >> order frames, T = the largest\n"
		"core count. Times are ns per operation (repeat: per alloc+free pair), min/avg/max\n"
		"over cores. Exit status: 0 ok, 1 a benchmark failed, 2 bad flags.\n",
		BENCH_MAX_ORDER, BENCH_DEFAULT_ITERATIONS, BENCH_DEFAULT_ROUNDS,
		BENCH_DEFAULT_MEM_PERCENT);
}

/* --cpus=N (host only): 1..BENCH_MAX_CORES, or exit 2. */
static unsigned parse_cpus(const char *value)
{
	char *end;
	unsigned long n = strtoul(value, &end, 10);
	if (*value < '0' || *value > '9' || *end || n == 0 || n > BENCH_MAX_CORES) {
		fprintf(stderr, "llfree-bench: --cpus=%s: expected a number 1..%u\n", value,
			BENCH_MAX_CORES);
		exit(2);
	}
	return (unsigned)n;
}

/* "--key=value" or "key=value" into the options; exits 2 with a reason on error. */
static void parse_arg(struct bench_opts *o, unsigned *cpus, const char *arg)
{
	char key[64];
	const char *s = strncmp(arg, "--", 2) == 0 ? arg + 2 : arg;
	const char *eq = strchr(s, '=');
	if (!eq || eq == s || (size_t)(eq - s) >= sizeof(key)) {
		fprintf(stderr, "llfree-bench: bad argument '%s': expected --OPTION=VALUE (see --help)\n",
			arg);
		exit(2);
	}
	memcpy(key, s, (size_t)(eq - s));
	key[eq - s] = '\0';
	if (strcmp(key, "cpus") == 0) {
		*cpus = parse_cpus(eq + 1);
		return;
	}
	const char *err = bench_option(o, key, eq + 1);
	if (err) {
		fprintf(stderr, "llfree-bench: --%s=%s: %s\n", key, eq + 1, err);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct bench_opts opts;
	bench_opts_default(&opts);
	unsigned cpus = 0; /* --cpus: 0 = the CPUs this process may use */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		parse_arg(&opts, &cpus, argv[i]);
	}
	uint64_t memory = opts.memory ? opts.memory : DEFAULT_MEMORY;

	struct bench_env env;
	struct host_info info;
	if (!host_env_init(&env, &info, memory / LLFREE_FRAME_SIZE)) {
		fprintf(stderr, "llfree-bench: TSC calibration failed\n");
		return 1;
	}
	if (cpus)
		env.cpus = cpus;
	struct table table;
	table_init(&table);
	env.result = table_add;
	env.result_ctx = &table;

	char line[256];
	host_env_line(&info, line, sizeof(line));
	env.print(line);
	int rc = bench_main(&env, &opts);
	env.print(rc ? "DONE status=fail reason=\"a benchmark failed (see ERROR)\"" : "DONE status=ok");
	table_print(&table, stdout);
	table_fini(&table);
	return rc ? 1 : 0;
}
