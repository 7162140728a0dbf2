/*
 * LLFree stress test on every core (see stress.h for the phases): options,
 * set-up, the TEST line and stress_run. The checks are in stress_check.c,
 * the phases in stress_core.c (stress_state.h holds what they share).
 */
#include "test/stress.h"

#include <stdint.h>

#include "arch/tsc.h"
#include "cmdline.h"
#include "lib/run_cores.h"
#include "lib/string.h"
#include "mm/contig.h"
#include "mm/frames.h"
#include "summary.h"
#include "test/stress_state.h"

#define HELD_MAX 1024u
#define HELD_MIN 16u

/* ---- options ---- */

static bool opt_stress;
uint64_t stress_opt_rounds;
static uint64_t opt_seconds;
static uint64_t opt_mem_percent;
static uint64_t opt_seed;
struct order_range stress_opt_orders;
unsigned stress_opt_kinds; /* bit per llfree_kind_t */

static const char *const kind_names[LLFREE_KINDS] = { "immovable", "movable", "huge" };

static const char *const inject_names[] = { "none", "double", "overwrite", NULL };
unsigned stress_opt_inject;

/* A number at *p (cmdline.h's syntax) up to 1000: orders and percentages. */
static bool parse_small(const char **p, unsigned *out)
{
	uint64_t v;
	if (!kopt_parse_uint_prefix(p, &v) || v > 1000)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_orders(const char *value, void *dest, char *err, size_t err_size)
{
	struct order_range *r = dest;
	const char *p = value;
	if (!parse_small(&p, &r->min))
		goto bad;
	r->max = r->min;
	if (*p == '-' && (p++, !parse_small(&p, &r->max)))
		goto bad;
	if (*p || r->min > r->max || r->max > LLFREE_MAX_ORDER)
		goto bad;
	return true;
bad:
	ksnprintf(err, err_size, "want A-B with 0 <= A <= B <= %u", LLFREE_MAX_ORDER);
	return false;
}

static bool parse_kinds(const char *value, void *dest, char *err, size_t err_size)
{
	unsigned mask = 0;
	const char *p = value;
	while (*p) {
		size_t len = 0;
		while (p[len] && p[len] != ',')
			len++;
		unsigned k = 0;
		while (k < LLFREE_KINDS && !(strlen(kind_names[k]) == len && !strncmp(p, kind_names[k], len)))
			k++;
		if (k == LLFREE_KINDS) {
			ksnprintf(err, err_size, "kinds are a comma list of immovable, movable, huge");
			return false;
		}
		mask |= 1u << k;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!mask) {
		ksnprintf(err, err_size, "at least one kind");
		return false;
	}
	*(unsigned *)dest = mask;
	return true;
}

/* More than all free memory means nothing (and free / 100 * percent could overflow). */
static bool parse_percent(const char *value, void *dest, char *err, size_t err_size)
{
	unsigned v;
	const char *p = value;
	if (!parse_small(&p, &v) || *p || v > 100) {
		ksnprintf(err, err_size, "want a percentage 0..100");
		return false;
	}
	*(uint64_t *)dest = v;
	return true;
}

KOPT_BOOL(opt_stress, "stress", "1", "run the LLFree stress test on every core");
KOPT_UINT(stress_opt_rounds, "stress_rounds", "300", "random-mix rounds per core");
KOPT_UINT(opt_seconds, "stress_seconds", "0", "random-mix duration (overrides stress_rounds when > 0)");
KOPT_CUSTOM(opt_mem_percent, "stress_mem", "PERCENT", parse_percent, "10",
	    "percent of free memory the random mix may hold");
KOPT_UINT(opt_seed, "stress_seed", "42", "random seed (each core adds its index)");
KOPT_ENUM(stress_opt_inject, "stress_inject", inject_names, "none",
	  "self-test: core 0 claims its first block twice (double) or scribbles on it (overwrite); the run must fail");
KOPT_CUSTOM(stress_opt_orders, "stress_orders", "A-B", parse_orders, "0-10", "orders of the random mix");
KOPT_CUSTOM(stress_opt_kinds, "stress_kinds", "K,K", parse_kinds, "immovable,movable,huge", "kinds of the random mix");

/* ---- set-up and report ---- */

/* A zeroed buffer of `bytes` (mm/contig.h: any size, even beyond one LLFree allocation). */
struct region {
	void *ptr;
	uint64_t bytes;
};

static bool region_get(struct region *r, uint64_t bytes, const char *what)
{
	r->bytes = bytes;
	r->ptr = contig_zalloc(bytes);
	if (!r->ptr)
		kprintf("ERROR msg=\"stress: no memory for the %s (%llu bytes)\"\n", what, (unsigned long long)bytes);
	return r->ptr != NULL;
}

static void region_put(struct region *r)
{
	contig_free(r->ptr, r->bytes); /* nothing for a region never got */
}

/* `name=a,b,c` over cores: one value of struct counts per core. */
static void print_per_core(char *buf, size_t size, const char *name, size_t offset)
{
	size_t len = (size_t)ksnprintf(buf, size, " %s=", name);
	for (unsigned c = 0; c < stress.cores && len + 24 < size; c++) {
		const uint64_t *v = (const uint64_t *)((const char *)&stress.cs[c].counts + offset);
		len += (size_t)ksnprintf(buf + len, size - len, "%s%llu", c ? "," : "", (unsigned long long)*v);
	}
}

static void report(bool ok, uint64_t us)
{
	struct counts t = { 0 };
	for (unsigned c = 0; c < stress.cores; c++) {
		const struct counts *k = &stress.cs[c].counts;
		t.rounds += k->rounds;
		t.allocs += k->allocs;
		t.frees += k->frees;
		t.handoffs += k->handoffs;
		t.received += k->received;
		t.oom += k->oom;
		t.exhaust_allocs += k->exhaust_allocs;
	}
	static char allocs[4096], frees[4096];
	print_per_core(allocs, sizeof(allocs), "core_allocs", offsetof(struct counts, allocs));
	print_per_core(frees, sizeof(frees), "core_frees", offsetof(struct counts, frees));
	static char line[sizeof(allocs) + sizeof(frees) + 512];
	ksnprintf(line, sizeof(line),
		  "TEST name=stress cores=%u result=%s rounds=%llu allocs=%llu frees=%llu handoffs=%llu "
		  "received=%llu oom=%llu exhaust_allocs=%llu exhaust_free_left=%llu orders=%u-%u time_us=%llu%s%s",
		  stress.cores, ok ? "ok" : "fail", (unsigned long long)t.rounds, (unsigned long long)t.allocs,
		  (unsigned long long)t.frees, (unsigned long long)t.handoffs, (unsigned long long)t.received,
		  (unsigned long long)t.oom, (unsigned long long)t.exhaust_allocs,
		  (unsigned long long)stress.exhaust_left, stress_opt_orders.min, stress_opt_orders.max,
		  (unsigned long long)us, allocs, frees);
	kprintf("%s\n", line);
	summary_line(SUMMARY_STRESS, line); /* the page and the QR codes keep its first pairs */
}

static bool setup(unsigned cores, struct region *owned, struct region *states, struct region *held)
{
	uint64_t frames = llfree_frames(stress.lf);
	uint64_t words = (frames + 63) / 64;
	if (!region_get(owned, words * 8, "ownership bitmap") ||
	    !region_get(states, (uint64_t)cores * sizeof(struct core_state), "per-core state"))
		return false;

	uint64_t budget = llfree_free_frames(stress.lf) / 100 * opt_mem_percent / cores;
	unsigned cap = budget < HELD_MAX ? (unsigned)budget : HELD_MAX;
	cap = cap < HELD_MIN ? HELD_MIN : cap;
	if (!region_get(held, (uint64_t)cores * cap * sizeof(struct block), "held lists"))
		return false;

	stress.owned = owned->ptr;
	stress.cs = states->ptr;
	for (unsigned c = 0; c < cores; c++) {
		struct core_state *cs = &stress.cs[c];
		cs->held = (struct block *)held->ptr + (uint64_t)c * cap;
		cs->held_cap = cap;
		cs->budget_frames = budget;
		cs->list_head = LIST_END;
		cs->rng = (opt_seed + c) * 0x9E3779B97F4A7C15ull | 1;
	}
	return true;
}

bool stress_run(unsigned cores)
{
	if (!opt_stress)
		return true;
	memset(&stress, 0, sizeof(stress));
	stress.lf = frames_llfree();
	stress.cores = cores;
	barrier_init(&stress.barrier, cores);

	struct region owned = { 0 }, states = { 0 }, held = { 0 };
	bool ok = setup(cores, &owned, &states, &held);
	if (ok) {
		uint64_t free_before = llfree_free_frames(stress.lf);
		kprintf("PROGRESS test=stress cores=%u rounds=%llu seconds=%llu orders=%u-%u mem_percent=%llu "
			"budget_frames=%llu free_frames=%llu\n",
			cores, (unsigned long long)stress_opt_rounds, (unsigned long long)opt_seconds,
			stress_opt_orders.min, stress_opt_orders.max, (unsigned long long)opt_mem_percent,
			(unsigned long long)stress.cs[0].budget_frames, (unsigned long long)free_before);
		uint64_t t0 = tsc_begin();
		stress.deadline = opt_seconds ? t0 + opt_seconds * tsc_hz() : 0;
		run_cores(cores, stress_core, NULL);
		uint64_t us = tsc_ticks_to_us(tsc_end() - t0);

		llfree_result_t r;
		if (!stress_failed() && llfree_free_frames(stress.lf) != free_before)
			stress_fail("%llu frames free after the run, %llu before",
				    (unsigned long long)llfree_free_frames(stress.lf), (unsigned long long)free_before);
		if (!stress_failed())
			stress_bitmap_empty((llfree_frames(stress.lf) + 63) / 64);
		if (!stress_failed() && (r = llfree_validate(stress.lf)) != LLFREE_OK)
			stress_fail("llfree_validate after the run: %s", llfree_strerror(r));
		ok = !stress_failed();
		report(ok, us);
	}
	if (ok) {
		/* Only after a clean run: after a failure the state cannot be trusted. */
		region_put(&held);
		region_put(&states);
		region_put(&owned);
	}
	return ok;
}
