/*
 * The differential test's calls (model.h): each one random, its result
 * predicted by the model and checked, and the model updated. main() runs
 * every size of the issue (1 frame, 511, 512, 513, one tree, one tree + 1,
 * 2^18+7, 685161, random ones) for a number of calls each.
 *
 *   model                      every size, LLFREE_MODEL_OPS calls each (default 3000)
 *   LLFREE_MODEL_OPS=200000    longer (make test-llfree-model-long)
 *   LLFREE_STRESS_SEED=0x...   reproduce (the seed is printed)
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static model_run_t R;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(R.last, sizeof(R.last), fmt, ap);
	va_end(ap);
}

static uint64_t below(uint64_t n)
{
	return stress_rng_below(&R.rng, n);
}

static llfree_kind_t any_kind(void)
{
	return (llfree_kind_t)below(LLFREE_KINDS);
}

/* Mostly small orders, every order now and then. */
static unsigned any_order(void)
{
	return below(4) ? (unsigned)below(4) : (unsigned)below(LLFREE_MAX_ORDER + 1);
}

/* A refused call must leave the buffers as they were. */
static void expect(llfree_result_t got, llfree_result_t want)
{
	if (got != want)
		stress_fail("%s: got %s, want %s", R.last, llfree_strerror(got),
			    llfree_strerror(want));
	if (got != LLFREE_OK) {
		R.refused++;
		STRESS_CHECK(sut_unchanged(&R.s), "%s: refused (%s) but changed the metadata", R.last,
			     llfree_strerror(got));
	}
}

static void check_block(uint64_t frame, unsigned order)
{
	STRESS_CHECK(frame % (1ull << order) == 0 && frame < R.m.frames &&
			     R.m.frames - frame >= (1ull << order),
		     "%s: frame %" PRIu64 " misaligned or out of range", R.last, frame);
	STRESS_CHECK(!R.m.offline[model_tree(frame)], "%s: frame %" PRIu64 " of an offline tree",
		     R.last, frame);
	STRESS_CHECK(model_is_free(&R.m, frame, order), "%s: frame %" PRIu64
		     " is not free in the model (handed out twice)", R.last, frame);
}

/* The fill level the calls drift towards (one_op); far below it, gets take big orders. */
static uint64_t target;

static unsigned get_order(void)
{
	uint64_t gap = target > R.m.frames - R.m.free ? target - (R.m.frames - R.m.free) : 0;
	if (gap < 64 || below(2))
		return any_order();
	unsigned order = 63u - (unsigned)__builtin_clzll(gap);
	order = order > LLFREE_MAX_ORDER ? LLFREE_MAX_ORDER : order;
	return order - (unsigned)below(order < 3 ? order + 1 : 3);
}

static void op_get(void)
{
	unsigned order = get_order();
	size_t core = (size_t)below(R.cores);
	llfree_kind_t kind = any_kind(), served = LLFREE_KINDS;
	uint64_t frame = UINT64_MAX;
	bool with_served = below(2);
	say("get(core %zu, order %u, kind %d%s)", core, order, kind, with_served ? ", served" : "");
	llfree_result_t res = with_served
		? llfree_get_served(&R.s.ll, core, order, kind, &frame, &served)
		: llfree_get(&R.s.ll, core, order, kind, &frame);
	R.gets++;
	if (res == LLFREE_ERR_MEMORY) {
		R.memory++;
		STRESS_CHECK(!model_has_block(&R.m, order),
			     "%s: MEMORY, but the model has a free aligned block", R.last);
		return;
	}
	STRESS_EXPECT_RES(res, LLFREE_OK, R.last);
	check_block(frame, order);
	if (with_served) {
		llfree_tree_info_t info;
		STRESS_EXPECT_RES(llfree_tree_info(&R.s.ll, model_tree(frame), &info), LLFREE_OK,
				  "tree info");
		STRESS_CHECK(served == info.kind, "%s: served %d, tree kind %d", R.last, served,
			     info.kind);
	}
	model_get(&R.m, frame, order);
}

/* A put the model accepts: the largest aligned block around a used frame that it frees. */
static void op_put_valid(void)
{
	if (R.m.free == R.m.frames)
		return;
	uint64_t f = below(R.m.frames);
	for (unsigned tries = 0; !R.m.used[f]; tries++) {
		if (tries == 64)
			return;
		f = below(R.m.frames);
	}
	unsigned order = (unsigned)below(LLFREE_MAX_ORDER + 1);
	uint64_t frame = f & ~((1ull << order) - 1);
	while (order > 0 && model_put_result(&R.m, frame, order) != LLFREE_OK) {
		order--;
		frame = f & ~((1ull << order) - 1);
	}
	size_t core = (size_t)below(R.cores);
	say("put(core %zu, frame %" PRIu64 ", order %u) of allocated frames", core, frame, order);
	sut_snap(&R.s);
	expect(llfree_put(&R.s.ll, core, frame, order, any_kind()), LLFREE_OK);
	model_put(&R.m, frame, order);
}

/* Any frame and order: double, wrong order, misaligned, out of range, or fine. */
static void op_put_any(void)
{
	unsigned order = (unsigned)below(LLFREE_MAX_ORDER + 2);
	uint64_t frame = below(R.m.frames + 600);
	if (order <= LLFREE_MAX_ORDER && below(4))
		frame &= ~((1ull << order) - 1);
	size_t core = (size_t)below(R.cores);
	say("put(core %zu, frame %" PRIu64 ", order %u) of any frames", core, frame, order);
	llfree_result_t want = model_put_result(&R.m, frame, order);
	sut_snap(&R.s);
	expect(llfree_put(&R.s.ll, core, frame, order, any_kind()), want);
	if (want == LLFREE_OK)
		model_put(&R.m, frame, order);
}

static void op_get_at(void)
{
	unsigned order = any_order();
	uint64_t frame = below(R.m.frames + 100) & ~((1ull << order) - 1);
	if (below(8) == 0)
		frame |= 1; /* misaligned for orders > 0 */
	size_t core = (size_t)below(R.cores);
	say("get_at(core %zu, frame %" PRIu64 ", order %u)", core, frame, order);
	llfree_result_t want = model_get_at_result(&R.m, frame, order);
	sut_snap(&R.s);
	expect(llfree_get_at(&R.s.ll, core, frame, order, any_kind()), want);
	if (want == LLFREE_OK)
		model_get(&R.m, frame, order);
}

static void op_queries(void)
{
	unsigned order = (unsigned)below(LLFREE_MAX_ORDER + 2);
	uint64_t frame = below(R.m.frames + 10) & ~((1ull << (order % 64)) - 1);
	say("is_free/free_in_range(frame %" PRIu64 ", order %u)", frame, order);
	STRESS_CHECK(llfree_is_free(&R.s.ll, frame, order) == model_is_free(&R.m, frame, order),
		     "%s: is_free %d", R.last, llfree_is_free(&R.s.ll, frame, order));
	uint64_t free = UINT64_MAX;
	llfree_result_t want = model_put_result(&R.m, frame, order);
	bool args_ok = want == LLFREE_OK || want == LLFREE_ERR_DOUBLE_FREE ||
		       want == LLFREE_ERR_WRONG_ORDER;
	llfree_result_t res = llfree_free_in_range(&R.s.ll, frame, order, &free);
	STRESS_CHECK((res == LLFREE_OK) == args_ok, "%s: free_in_range says %s", R.last,
		     llfree_strerror(res));
	if (args_ok)
		STRESS_CHECK(free == model_free_in_range(&R.m, frame, order),
			     "%s: free_in_range %" PRIu64 ", model %" PRIu64, R.last, free,
			     model_free_in_range(&R.m, frame, order));
	/* Counts per kind and per tree add up to the model. */
	llfree_counts_t c;
	STRESS_EXPECT_RES(llfree_counts(&R.s.ll, &c), LLFREE_OK, "counts");
	uint64_t sum = c.offline_free, offline = 0;
	for (unsigned k = 0; k < LLFREE_KINDS; k++)
		sum += c.free[k];
	for (uint64_t t = 0; t < R.m.trees; t++) {
		llfree_tree_info_t info;
		STRESS_EXPECT_RES(llfree_tree_info(&R.s.ll, t, &info), LLFREE_OK, "tree info");
		STRESS_CHECK(info.free == model_free_in_tree(&R.m, t) &&
				     info.offline == R.m.offline[t],
			     "%s: tree %" PRIu64 " free %" PRIu64 " offline %d, model %" PRIu64
			     " %d", R.last, t, info.free, info.offline, model_free_in_tree(&R.m, t),
			     R.m.offline[t]);
		offline += info.offline ? info.free : 0;
	}
	STRESS_CHECK(sum == R.m.free && c.offline_free == offline,
		     "%s: counts per kind add up to %" PRIu64 " (offline %" PRIu64 "), model %"
		     PRIu64, R.last, sum, c.offline_free, R.m.free);
}

static void op_trees(void)
{
	uint64_t first = below(R.m.trees + 1), count = below(3);
	unsigned what = (unsigned)below(4);
	say("%s(trees %" PRIu64 " + %" PRIu64 ")",
	    what == 0 ? "offline" : what == 1 ? "online" : "set_kind", first, count);
	llfree_result_t want = first + count > R.m.trees ? LLFREE_ERR_RANGE : LLFREE_OK;
	llfree_result_t res;
	sut_snap(&R.s);
	if (what < 2)
		res = what == 0 ? llfree_offline(&R.s.ll, first, count)
				: llfree_online(&R.s.ll, first, count);
	else
		res = llfree_set_kind(&R.s.ll, first, count, any_kind(), below(2));
	expect(res, want);
	for (uint64_t t = first; what < 2 && want == LLFREE_OK && t < first + count; t++)
		R.m.offline[t] = what == 0;
}

static void op_drain(void)
{
	size_t core = (size_t)below(R.cores);
	if (below(4)) {
		say("drain(core %zu)", core);
		STRESS_EXPECT_RES(llfree_drain(&R.s.ll, core), LLFREE_OK, R.last);
	} else {
		say("drain_all");
		STRESS_EXPECT_RES(llfree_drain_all(&R.s.ll), LLFREE_OK, R.last);
	}
}

/* Orderly end, a refused call after it, RECOVER in the same buffers (shallow). */
static void op_shutdown_recover(void)
{
	say("shutdown, then get");
	STRESS_EXPECT_RES(llfree_shutdown(&R.s.ll), LLFREE_OK, R.last);
	sut_snap(&R.s);
	uint64_t frame;
	expect(llfree_get(&R.s.ll, 0, 0, LLFREE_KIND_MOVABLE, &frame), LLFREE_ERR_STOPPED);
	say("RECOVER after shutdown");
	R.s.cfg.mode = LLFREE_INIT_RECOVER;
	STRESS_EXPECT_RES(llfree_init(&R.s.ll, &R.s.cfg), LLFREE_OK, R.last);
	STRESS_CHECK(!llfree_recovered_crashed(&R.s.ll), "%s: deep", R.last);
	model_reset_offline(&R.m); /* offline and kinds are volatile (upper level) */
	R.recovers++;
}

/* A crash: RECOVER from a copy of the lower buffer into a fresh upper one (deep). */
static void op_deep_recover(void)
{
	say("deep RECOVER of a copied lower buffer");
	sut_t next = R.s;
	next.upper = stress_buffer(R.s.size.upper);
	next.lower = stress_buffer(R.s.size.lower);
	next.snap_upper = stress_buffer(R.s.size.upper);
	next.snap_lower = stress_buffer(R.s.size.lower);
	memcpy(next.lower, R.s.lower, R.s.size.lower);
	next.cfg.upper = next.upper;
	next.cfg.lower = next.lower;
	next.cfg.mode = LLFREE_INIT_RECOVER;
	STRESS_EXPECT_RES(llfree_init(&next.ll, &next.cfg), LLFREE_OK, R.last);
	STRESS_CHECK(llfree_recovered_crashed(&next.ll), "%s: shallow", R.last);
	sut_free(&R.s);
	R.s = next;
	model_reset_offline(&R.m);
	model_check_every_frame(&R);
	R.recovers++;
}

static void one_op(void)
{
	/* The fill level drifts, so that runs pass through near full and near empty. */
	if (R.ops % 256 == 0)
		target = below(R.m.frames + 1);
	uint64_t p = below(1000);
	if (p < 500)
		(R.m.frames - R.m.free < target || below(4) == 0) ? op_get() : op_put_valid();
	else if (p < 700)
		op_put_valid();
	else if (p < 800)
		op_put_any();
	else if (p < 880)
		op_get_at();
	else if (p < 920)
		op_queries();
	else if (p < 950)
		op_drain();
	else if (p < 990)
		op_trees();
	else if (p < 995)
		op_shutdown_recover();
	else
		op_deep_recover();
}

void model_run_size(uint64_t seed, uint64_t frames, size_t cores, uint64_t ops)
{
	memset(&R, 0, sizeof(R));
	R.rng = stress_rng_for(seed, (unsigned)frames);
	R.cores = cores;
	model_init(&R.m, frames);
	sut_init(&R.s, cores, frames);
	say("init");
	/* validate is linear in memory: every call on small sizes, now and then on large. */
	uint64_t every = frames <= (1u << 16) ? 1 : 32;
	for (R.ops = 0; R.ops < ops; R.ops++) {
		one_op();
		model_check_counts(&R, R.ops % every == 0);
	}
	model_check_every_frame(&R);
	printf("model frames=%-7" PRIu64 " cores=%zu: %" PRIu64 " calls, %" PRIu64 " gets (%" PRIu64
	       " out of memory, each checked), %" PRIu64 " refused calls unchanged, %" PRIu64
	       " recoveries\n",
	       frames, cores, ops, R.gets, R.memory, R.refused, R.recovers);
	sut_free(&R.s);
	model_free(&R.m);
}

int main(void)
{
	uint64_t seed = stress_seed_from_env("LLFREE_STRESS_SEED");
	uint64_t ops = (uint64_t)stress_long_from_env("LLFREE_MODEL_OPS", 3000);
	stress_report_aborts();
	stress_rng_t rng = stress_rng_for(seed, 12345);
	const uint64_t sizes[] = {
		1, 511, 512, 513, LLFREE_TREE_FRAMES, LLFREE_TREE_FRAMES + 1, (1u << 18) + 7, 685161,
		1 + stress_rng_below(&rng, 4 * LLFREE_TREE_FRAMES),
		1 + stress_rng_below(&rng, 64 * LLFREE_TREE_FRAMES),
	};
	printf("model seed=0x%016" PRIx64 "\n", seed);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "model frames=%" PRIu64, sizes[i]);
		stress_set_case(name, seed);
		/* Big sizes take fewer calls: each MEMORY scans the whole model. */
		uint64_t n = sizes[i] > (1u << 16) ? ops / 4 : ops;
		model_run_size(seed + i, sizes[i], 1 + (size_t)stress_rng_below(&rng, 4), n);
	}
	printf("model: every size passed\n");
	return 0;
}
