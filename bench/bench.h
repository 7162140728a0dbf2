/*
 * The benchmarks bulk, repeat, rand and frag (shared/design/benchmarks.md,
 * "Definitions"), written once in freestanding C11. The same code runs in
 * the kernel on every CPU and in the host program on pinned threads; all
 * that differs is the environment the runner supplies.
 *
 * Output: one `RESULT` line per run (frag: per round) and `PROGRESS`,
 * `ALLOC`, `WARN`, `ERROR` lines, all logfmt (shared/design/serial-log.md).
 * Times are per-operation averages of whole loops in ns; min/avg/max over
 * the cores. repeat reports the alloc+free pair in get_* (put_* are 0).
 *
 * Only the code inside `run` executes on the other cores; print, alloc, free
 * and result are called by the caller of bench_main alone, outside timed
 * regions (a real UART is slow). The allocators manage frame numbers and
 * never touch the frames, so `frames` needs no memory behind it; the
 * metadata and frame arrays (8 bytes per frame) come from `alloc`.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "options.h"

struct bench_result;

struct bench_env {
	unsigned cpus;   /* cores that `run` can use; core counts above it are refused */
	uint64_t tsc_hz; /* ticks per second of `ticks` */
	uint64_t frames; /* 4 KiB frames the benchmarks may manage (before mem=%) */
	/* Serializing timestamp (lfence; rdtsc style). */
	uint64_t (*ticks)(void);
	/* Run fn(core, arg) on cores 0..cores-1 in parallel; return after all finished. */
	void (*run)(unsigned cores, void (*fn)(unsigned core, void *arg), void *arg);
	/* 64-byte aligned memory for metadata and frame arrays (not zeroed); NULL if none. */
	void *(*alloc)(size_t bytes);
	void (*free)(void *p, size_t bytes);
	/* Print one whole line (no trailing newline in `line`), atomically. */
	void (*print)(const char *line);
	/* Optional: called while spinning (pause; a host with more threads than CPUs yields). */
	void (*relax)(void);
	/*
	 * Optional: bounds the barriers. A core that has waited wait_limit_s
	 * seconds for the others calls stuck() with the first core that never
	 * arrived and the benchmark's name; stuck() must not return (the kernel
	 * ends the run, the host program exits). Without either, barriers wait
	 * as long as it takes.
	 */
	unsigned wait_limit_s;
	void (*stuck)(unsigned core, const char *where, unsigned seconds);
	/* Optional: called with every result after its RESULT line is printed. */
	void (*result)(const struct bench_result *r, void *ctx);
	void *result_ctx;
};

struct bench_result {
	enum bench_kind bench;
	enum balloc_kind alloc;
	unsigned cores, order, iteration;
	uint64_t memory; /* bytes the allocator manages */
	uint64_t allocs; /* per core; frag: frames freed and re-allocated per round, all cores */
	uint64_t get_min, get_avg, get_max, put_min, put_avg, put_max; /* ns per op */
	size_t metadata; /* allocator metadata bytes */
	/* frag only (rounds 1..rounds; huge_got on the last round's line only) */
	unsigned round, rounds;
	uint64_t allocated, free_frames, free_huge, free_areas, moves, huge_got;
};

/* Run every benchmark the options name; non-zero if any failed (an ERROR line says why). */
int bench_main(const struct bench_env *env, const struct bench_opts *opts);
/* Format r as a RESULT line into buf (always NUL-terminated). */
void bench_format_result(const struct bench_result *r, char *buf, size_t cap);

#endif
