/*
 * The run's summary page (see summary.h): what is kept, and its text.
 */
#include "summary.h"

#include <stdarg.h>

#include "dev/fbcon.h"
#include "lib/printf.h"
#include "lib/string.h"

/* Columns of the page's text; the QR codes take the rest of the screen. */
#define PAGE_TEXT_COLUMNS 62

static char lines[SUMMARY_KINDS][SUMMARY_LINE_MAX];
static struct bench_result results[SUMMARY_RESULTS_MAX + 2 * BALLOC_KINDS];
static size_t nresults, dropped;
/* frag: each allocator's first and last round */
static struct bench_result frag_first[BALLOC_KINDS], frag_last[BALLOC_KINDS];
static bool have_frag[BALLOC_KINDS];

void summary_line(enum summary_line_kind kind, const char *line)
{
	size_t n = strlen(line);
	if (n >= SUMMARY_LINE_MAX) { /* cut after the last whole pair */
		n = SUMMARY_LINE_MAX - 1;
		while (n > 0 && line[n] != ' ')
			n--;
	}
	memcpy(lines[kind], line, n);
	lines[kind][n] = '\0';
}

const char *summary_stored_line(enum summary_line_kind kind) { return lines[kind]; }

void summary_result(const struct bench_result *r)
{
	if (r->bench == BENCH_FRAG) {
		if (!have_frag[r->alloc])
			frag_first[r->alloc] = *r;
		frag_last[r->alloc] = *r;
		have_frag[r->alloc] = true;
		return;
	}
	if (nresults == SUMMARY_RESULTS_MAX) {
		dropped++;
		return;
	}
	results[nresults++] = *r;
}

/* The kept results, then each allocator's first and last frag round. */
size_t summary_result_count(void)
{
	size_t n = nresults;
	for (unsigned a = 0; a < BALLOC_KINDS; a++)
		n += have_frag[a] ? 1u + (frag_last[a].round != frag_first[a].round) : 0u;
	return n;
}

const struct bench_result *summary_result_at(size_t i)
{
	if (i < nresults)
		return &results[i];
	i -= nresults;
	for (unsigned a = 0; a < BALLOC_KINDS; a++) {
		if (!have_frag[a])
			continue;
		if (i == 0)
			return &frag_first[a];
		if (frag_last[a].round != frag_first[a].round && --i == 0)
			return &frag_last[a];
		i--;
	}
	return NULL;
}

/* ---- the page's text ---- */

static void page_printf(bool inverse, const char *fmt, ...) KPRINTF_FORMAT(2, 3);
static void page_printf(bool inverse, const char *fmt, ...)
{
	char buf[SUMMARY_LINE_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fbcon_page_puts(buf, inverse);
}

static bool same_group(const struct bench_result *a, const struct bench_result *b)
{
	return a->bench == b->bench && a->order == b->order && a->cores == b->cores;
}

/* Mean get and put ns of allocator `alloc` over the iterations of r's group. */
static bool group_mean(const struct bench_result *r, enum balloc_kind alloc, uint64_t *get, uint64_t *put)
{
	uint64_t g = 0, p = 0, n = 0;
	for (size_t i = 0; i < nresults; i++)
		if (same_group(&results[i], r) && results[i].alloc == alloc) {
			g += results[i].get_avg;
			p += results[i].put_avg;
			n++;
		}
	if (n == 0)
		return false;
	*get = g / n;
	*put = p / n;
	return true;
}

/* b / a in three digits ("0.02x", "3.40x", "12.5x", "140x"), "-" without a base. */
static void ratio(char *buf, size_t size, uint64_t a, uint64_t b)
{
	if (a == 0 || b == 0) {
		ksnprintf(buf, size, "-");
		return;
	}
	unsigned long long hundredths = (b * 100 + a / 2) / a;
	if (hundredths < 1000)
		ksnprintf(buf, size, "%llu.%02llux", hundredths / 100, hundredths % 100);
	else if (hundredths < 10000)
		ksnprintf(buf, size, "%llu.%llux", hundredths / 100, hundredths / 10 % 10);
	else
		ksnprintf(buf, size, "%llux", hundredths / 100);
}

/* One line: bench order cores, then per allocator get/put ns, then each allocator's ratio to LLFree. */
static void table_row(const struct bench_result *r, const bool *present)
{
	char line[256], cell[48], rg[16], rp[16];
	size_t len = (size_t)ksnprintf(line, sizeof(line), "%-6s %5u %5u", bench_name(r->bench), r->order, r->cores);
	uint64_t base_get = 0, base_put = 0, get, put;
	group_mean(r, BALLOC_LLFREE, &base_get, &base_put);
	for (unsigned a = 0; a < BALLOC_KINDS && len < sizeof(line); a++) {
		if (!present[a])
			continue;
		if (!group_mean(r, (enum balloc_kind)a, &get, &put))
			ksnprintf(cell, sizeof(cell), "-");
		else if (put == 0) /* repeat: the alloc+free pair */
			ksnprintf(cell, sizeof(cell), "%llu", (unsigned long long)get);
		else
			ksnprintf(cell, sizeof(cell), "%llu/%llu", (unsigned long long)get, (unsigned long long)put);
		len += (size_t)ksnprintf(line + len, sizeof(line) - len, " %11s", cell);
	}
	for (unsigned a = BALLOC_LLFREE + 1; a < BALLOC_KINDS && len < sizeof(line); a++) {
		if (!present[a] || !present[BALLOC_LLFREE] || !group_mean(r, (enum balloc_kind)a, &get, &put))
			continue;
		ratio(rg, sizeof(rg), base_get, get);
		ratio(rp, sizeof(rp), base_put, put);
		len += (size_t)ksnprintf(line + len, sizeof(line) - len, put ? " %5s/%s" : " %5s", rg, rp);
	}
	page_printf(false, "%s\n", line);
}

static void bench_table(void)
{
	bool present[BALLOC_KINDS] = { false };
	for (size_t i = 0; i < nresults; i++)
		present[results[i].alloc] = true;
	page_printf(false, "\nBenchmarks: ns per operation, alloc/free (repeat: the pair), mean of the "
			   "iterations; ratio = allocator / llfree\n");
	char head[160];
	size_t len = (size_t)ksnprintf(head, sizeof(head), "bench  order cores");
	for (unsigned a = 0; a < BALLOC_KINDS; a++)
		if (present[a])
			len += (size_t)ksnprintf(head + len, sizeof(head) - len, " %11s", balloc_kind_name(a));
	for (unsigned a = BALLOC_LLFREE + 1; a < BALLOC_KINDS; a++)
		if (present[a] && present[BALLOC_LLFREE])
			len += (size_t)ksnprintf(head + len, sizeof(head) - len, " %s/llfree", balloc_kind_name(a));
	page_printf(true, "%s\n", head);
	for (size_t i = 0; i < nresults; i++) {
		size_t j = 0;
		while (j < i && !same_group(&results[j], &results[i]))
			j++;
		if (j == i) /* the group's first result */
			table_row(&results[i], present);
	}
	if (dropped)
		page_printf(false, "(%zu more results in the serial log only)\n", dropped);
}

static void frag_lines(void)
{
	bool any = false;
	for (unsigned a = 0; a < BALLOC_KINDS; a++) {
		if (!have_frag[a])
			continue;
		if (!any)
			page_printf(false, "\nFrag: free 2 MiB areas (free_huge) and page moves, first -> last round\n");
		any = true;
		const struct bench_result *f = &frag_first[a], *l = &frag_last[a];
		page_printf(false, "%-7s rounds %u..%u: free_huge %llu -> %llu, moves %llu -> %llu\n",
			    balloc_kind_name(a), f->round, l->round, (unsigned long long)f->free_huge,
			    (unsigned long long)l->free_huge, (unsigned long long)f->moves, (unsigned long long)l->moves);
	}
}

void summary_page(bool ok)
{
	fbcon_page_begin(PAGE_TEXT_COLUMNS);
	page_printf(false, "llfree-kernel: run summary\n\n");
	page_printf(true, "%s\n", lines[SUMMARY_DONE][0] ? lines[SUMMARY_DONE] : ok ? "DONE status=ok" : "DONE status=fail");
	if (lines[SUMMARY_BOOT][0])
		page_printf(false, "\n%s\n", lines[SUMMARY_BOOT]);
	if (lines[SUMMARY_ENV][0])
		page_printf(false, "%s\n", lines[SUMMARY_ENV]);
	if (lines[SUMMARY_STRESS][0])
		page_printf(false, "%s\n", lines[SUMMARY_STRESS]);
	if (nresults)
		bench_table();
	frag_lines();
}
