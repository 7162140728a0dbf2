/* The host program's closing table: buddy/LLFree time ratios for people. */
#ifndef BENCH_HOST_TABLE_H
#define BENCH_HOST_TABLE_H

#include <stdio.h>

#include "bench.h"

struct table {
	struct bench_result *rows;
	size_t n, cap;
};

void table_init(struct table *t);
/* bench_env.result hook: ctx is the table. */
void table_add(const struct bench_result *r, void *ctx);
void table_print(const struct table *t, FILE *out);
void table_fini(struct table *t);

#endif
