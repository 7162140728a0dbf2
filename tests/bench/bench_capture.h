/*
 * The benchmark tests' view of a run's output (tests/bench/test_bench*.c):
 * an environment whose print keeps every line, and lookups in those lines.
 */
#ifndef TESTS_BENCH_CAPTURE_H
#define TESTS_BENCH_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "bench.h"

#define OUT_MAX 4096
/* The lines printed since the last clear_output, in order (at most OUT_MAX). */
extern char *out[OUT_MAX];
extern unsigned nout;

/* bench_env.print of test_env: keep the line (thread-safe). */
void capture(const char *line);
void clear_output(void);
/* The host's environment for `frames` frames, at least 2 CPUs, printing to capture. */
struct bench_env test_env(uint64_t frames);
/* Value of ` key=` in a logfmt line (numbers only); false if absent. */
bool get_key(const char *line, const char *key, uint64_t *v);
/* Whether the line holds the word `pair` (e.g. "alloc=llfree"), space-separated. */
bool has_word(const char *line, const char *pair);
/* Lines that start with tag. */
unsigned count_tag(const char *tag);
/* Every kept line to stderr (diagnostics of a failed assertion). */
void dump_output(void);

#endif
