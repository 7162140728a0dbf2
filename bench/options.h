/*
 * Benchmark options, parsed the same way from the kernel command line
 * (`bench=bulk,repeat cores=1,2`) and from the host program's flags
 * (`--bench=bulk,repeat --cores=1,2`): shared/design/benchmarks.md, "Options".
 */
#ifndef BENCH_OPTIONS_H
#define BENCH_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "alloc.h"

enum bench_kind { BENCH_BULK, BENCH_REPEAT, BENCH_RAND, BENCH_FRAG, BENCH_KINDS };

#define BENCH_MAX_LIST 32
#define BENCH_MAX_CORES 1024
#define BENCH_MAX_ORDER 10 /* largest order both allocators support (buddy: 10) */

/*
 * Defaults (bench_opts_default); cores default to powers of two up to all, plus all.
 * mem is the share of the runner's frames that each allocator manages; the
 * benchmarks then take half of that (allocs = frames / T / 2 >> order), so
 * the default 100 is exactly the definition's "all T cores together take half
 * of memory". Three iterations show the spread between runs at little cost.
 */
#define BENCH_DEFAULT_ITERATIONS 3
#define BENCH_DEFAULT_ROUNDS 100
#define BENCH_DEFAULT_MEM_PERCENT 100

struct bench_opts {
	enum bench_kind benches[BENCH_KINDS];
	unsigned nbenches;
	enum balloc_kind allocs[BALLOC_KINDS];
	unsigned nallocs;
	unsigned orders[BENCH_MAX_LIST]; /* bulk, repeat, rand; frag is always order 0 */
	unsigned norders;
	unsigned cores[BENCH_MAX_LIST];
	unsigned ncores; /* 0: the default list for the machine (bench_cores) */
	unsigned iterations;
	unsigned rounds;      /* frag */
	unsigned mem_percent; /* share of the runner's frames the allocators manage */
	uint64_t memory;      /* bytes; host: size of the managed region, 0 = runner's default */
};

void bench_opts_default(struct bench_opts *o);
/*
 * Apply one `key=value`. Returns NULL, or a message naming the valid keys or
 * values. On error the options are left as they were.
 */
const char *bench_option(struct bench_opts *o, const char *key, const char *value);
/* True for the keys bench_option takes (the kernel forwards only these). */
bool bench_option_known(const char *key);
/* The core counts to run on a machine with `cpus` CPUs; returns how many (<= max). */
unsigned bench_cores(const struct bench_opts *o, unsigned cpus, unsigned *out, unsigned max);
const char *bench_name(enum bench_kind b);

#endif
