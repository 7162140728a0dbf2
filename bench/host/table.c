/*
 * Closing table of the host program: for each benchmark, order and core
 * count, the mean over iterations of avg ns per operation for LLFree and
 * buddy, and their ratio buddy/LLFree (above 1: LLFree is faster).
 * frag is left out (its numbers are counts, see the RESULT lines).
 */
#include "table.h"

#include <stdlib.h>

void table_init(struct table *t)
{
	*t = (struct table){ 0 };
}

void table_add(const struct bench_result *r, void *ctx)
{
	struct table *t = ctx;
	if (r->bench == BENCH_FRAG)
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct bench_result *rows = realloc(t->rows, cap * sizeof(*rows));
		if (!rows)
			return; /* the RESULT lines have everything; the table is a convenience */
		t->rows = rows;
		t->cap = cap;
	}
	t->rows[t->n++] = *r;
}

/* Mean get_avg and put_avg over the iterations of one cell; false if there are none. */
static bool mean(const struct table *t, const struct bench_result *key, enum balloc_kind alloc,
		 double *get, double *put)
{
	double g = 0, p = 0;
	unsigned n = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct bench_result *r = &t->rows[i];
		if (r->bench == key->bench && r->order == key->order && r->cores == key->cores &&
		    r->alloc == alloc) {
			g += (double)r->get_avg;
			p += (double)r->put_avg;
			n++;
		}
	}
	if (!n)
		return false;
	*get = g / n;
	*put = p / n;
	return true;
}

static bool seen_before(const struct table *t, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (t->rows[j].bench == t->rows[i].bench && t->rows[j].order == t->rows[i].order &&
		    t->rows[j].cores == t->rows[i].cores)
			return true;
	return false;
}

static void ratio(FILE *out, double buddy, double llfree)
{
	if (llfree > 0)
		fprintf(out, " %7.2f", buddy / llfree);
	else
		fprintf(out, " %7s", "-");
}

void table_print(const struct table *t, FILE *out)
{
	bool header = false;
	for (size_t i = 0; i < t->n; i++) {
		const struct bench_result *r = &t->rows[i];
		double lg, lp, bg, bp;
		if (seen_before(t, i) || !mean(t, r, BALLOC_LLFREE, &lg, &lp) ||
		    !mean(t, r, BALLOC_BUDDY, &bg, &bp))
			continue;
		if (!header) {
			fprintf(out, "\nbuddy/llfree: mean ns per op over iterations; ratio > 1: "
				     "LLFree faster (repeat: alloc+free pair)\n");
			fprintf(out, "%-7s %5s %5s | %9s %9s %7s | %9s %9s %7s\n", "bench", "order",
				"cores", "llfree", "buddy", "ratio", "llfree", "buddy", "ratio");
			fprintf(out, "%-7s %5s %5s | %27s | %27s\n", "", "", "", "get",
				"put");
			header = true;
		}
		fprintf(out, "%-7s %5u %5u | %9.0f %9.0f", bench_name(r->bench), r->order, r->cores,
			lg, bg);
		ratio(out, bg, lg);
		if (r->bench == BENCH_REPEAT) {
			fprintf(out, " | %9s %9s %7s\n", "-", "-", "-");
			continue;
		}
		fprintf(out, " | %9.0f %9.0f", lp, bp);
		ratio(out, bp, lp);
		fputc('\n', out);
	}
}

void table_fini(struct table *t)
{
	free(t->rows);
	*t = (struct table){ 0 };
}
