/*
 * The crash test's checker (crash.h): RECOVER on the killed child's lower
 * buffer, then account for every frame. Every logged block must be
 * allocated; every allocated frame that no slot holds must belong to the
 * one op in flight of some thread (so at most one block per thread is
 * unaccounted). The in-flight remnants and the logged blocks are freed
 * again, and then every frame must be free.
 */
#include "crash.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The upper level is rebuilt, so any core count works. */
llfree_result_t recover(llfree_t *self, void **upper, size_t cores, uint64_t frames, void *lower,
			size_t lower_size)
{
	llfree_meta_size_t size = llfree_metadata_size(cores, frames);
	*upper = stress_buffer(size.upper);
	llfree_config_t cfg = {.cores = cores, .frames = frames, .mode = LLFREE_INIT_RECOVER,
			       .persistent = true, .upper = *upper, .upper_size = size.upper,
			       .lower = lower, .lower_size = lower_size};
	return llfree_init(self, &cfg);
}

bool frame_allocated(const llfree_t *self, uint64_t frame)
{
	return !llfree_is_free(self, frame, 0);
}

/*
 * What an op of `order` killed midway leaves allocated, in the smallest
 * pieces the library sets one at a time: orders 0..6 are one CAS on one
 * row (all or nothing), orders 7 and 8 whole rows set one by one, orders 9
 * and up whole areas converted to huge one by one (design 2).
 */
static unsigned granule_order(unsigned order)
{
	if (order <= 6)
		return order;
	return order < LLFREE_HUGE_ORDER ? 6 : LLFREE_HUGE_ORDER;
}

/*
 * Claim for an op in flight the granules of the block at frame that no
 * log holds (mark 2) in full, and free them (or only count them). A
 * granule only partly unlogged belongs to some other op and is left.
 * Returns the frames claimed.
 */
static uint64_t claim_granules(llfree_t *self, uint64_t frames, uint64_t frame, unsigned order,
			       llfree_kind_t kind, uint8_t *mark, bool dry_run)
{
	unsigned g_order = granule_order(order);
	uint64_t g_size = 1ull << g_order, freed = 0;
	for (uint64_t g = frame; g < frame + (1ull << order) && g + g_size <= frames; g += g_size) {
		uint64_t unlogged = 0;
		for (uint64_t f = g; f < g + g_size; f++)
			unlogged += mark[f] == 2;
		if (unlogged != g_size)
			continue;
		freed += g_size;
		if (dry_run)
			continue;
		llfree_result_t res = llfree_put(self, 0, g, g_order, kind);
		if (res != LLFREE_OK)
			stress_fail("free in-flight remnant %" PRIu64 " order %u (op order %u): %s", g,
				    g_order, order, llfree_strerror(res));
		memset(mark + g, 0, g_size);
	}
	return freed;
}

/* Diagnostics: each thread's op in flight at the kill. */
void print_ops(shared_t *sh)
{
	for (unsigned t = 0; t < THREADS; t++) {
		uint64_t op = atomic_load(&sh->log[t].op);
		fprintf(stderr, "  thread %u: op %s frame %" PRIu64 " order %u, %" PRIu64
			" ops done\n", t, op & OP_GET ? "get" : op & OP_PUT ? "put" : "none",
			op & OP_PUT ? dec_frame(op) : 0, dec_order(op),
			atomic_load(&sh->log[t].ops));
	}
}

static bool slot_holds(thread_log_t *log, uint64_t block)
{
	for (unsigned i = 0; i < SLOTS; i++)
		if (atomic_load(&log->slot[i]) == block)
			return true;
	return false;
}

/*
 * Pending gets are matched to unlogged blocks biggest order first: a huge
 * area's frames all look allocated, and a small get must not claim (and
 * split) one of them.
 */
static unsigned get_rank(shared_t *sh, unsigned t)
{
	return dec_order(atomic_load(&sh->log[t].op));
}

/* Every logged block must be allocated and overlap no other: mark its frames 1. */
static void mark_logged(llfree_t *self, shared_t *sh, uint64_t frames, uint8_t *mark)
{
	for (unsigned t = 0; t < THREADS; t++) {
		for (unsigned i = 0; i < SLOTS; i++) {
			uint64_t v = atomic_load(&sh->log[t].slot[i]);
			if (!v)
				continue;
			uint64_t frame = dec_frame(v);
			unsigned order = dec_order(v);
			for (uint64_t f = frame; f < frame + (1ull << order); f++) {
				STRESS_CHECK(f < frames && mark[f] == 0,
					     "log of thread %u: block %" PRIu64 " order %u overlaps "
					     "another logged block",
					     t, frame, order);
				STRESS_CHECK(frame_allocated(self, f),
					     "thread %u logged block %" PRIu64 " order %u, but frame "
					     "%" PRIu64 " is free after recovery",
					     t, frame, order, f);
				mark[f] = 1;
			}
		}
	}
}

/* Mark 2 every allocated frame no log holds; returns how many. */
static uint64_t mark_unlogged(llfree_t *self, uint64_t frames, uint8_t *mark)
{
	uint64_t extra = 0;
	for (uint64_t f = 0; f < frames; f++) {
		if (mark[f] == 0 && frame_allocated(self, f)) {
			mark[f] = 2;
			extra++;
		}
	}
	return extra;
}

/*
 * Each thread's op in flight may explain (part of) one block. Puts first:
 * what is left of their blocks is theirs, whichever thread's get took part
 * of it again before the kill. Returns the frames claimed.
 */
static uint64_t claim_puts(llfree_t *self, shared_t *sh, uint64_t frames, uint8_t *mark,
			   cycle_stats_t *st)
{
	uint64_t claimed = 0;
	for (unsigned t = 0; t < THREADS; t++) {
		uint64_t op = atomic_load(&sh->log[t].op);
		if (!(op & OP_PUT))
			continue;
		uint64_t frame = dec_frame(op);
		unsigned order = dec_order(op);
		if (slot_holds(&sh->log[t], op & ~OP_PUT))
			continue; /* killed before the slot was cleared: still logged */
		uint64_t n = claim_granules(self, frames, frame, order, dec_kind(op), mark, false);
		claimed += n;
		st->inflight_blocks += n != 0;
	}
	return claimed;
}

/* Then gets, biggest first (get_rank). Returns the frames claimed. */
static uint64_t claim_gets(llfree_t *self, shared_t *sh, uint64_t frames, uint8_t *mark,
			   cycle_stats_t *st)
{
	uint64_t claimed = 0;
	unsigned gets[THREADS], ngets = 0;
	for (unsigned t = 0; t < THREADS; t++)
		if (atomic_load(&sh->log[t].op) & OP_GET)
			gets[ngets++] = t;
	for (unsigned i = 0; i < ngets; i++)
		for (unsigned j = i + 1; j < ngets; j++)
			if (get_rank(sh, gets[j]) > get_rank(sh, gets[i])) {
				unsigned tmp = gets[i];
				gets[i] = gets[j];
				gets[j] = tmp;
			}
	for (unsigned i = 0; i < ngets; i++) {
		uint64_t op = atomic_load(&sh->log[gets[i]].op);
		unsigned order = dec_order(op);
		uint64_t n = 1ull << order;
		/*
		 * The aligned block of this order with the most granules the get
		 * can have set (a get that finished leaves a whole block; a
		 * smaller candidate may be another get's block of a lower order).
		 */
		uint64_t best = 0, best_got = 0;
		for (uint64_t frame = 0; frame < frames; frame += n) {
			uint64_t got = claim_granules(self, frames, frame, order, dec_kind(op), mark,
						      true);
			if (got > best_got) {
				best = frame;
				best_got = got;
			}
		}
		if (best_got == 0)
			continue;
		claim_granules(self, frames, best, order, dec_kind(op), mark, false);
		claimed += best_got;
		st->unaccounted += best_got;
		st->inflight_blocks++;
	}
	return claimed;
}

cycle_stats_t account(llfree_t *self, shared_t *sh, uint64_t frames, uint8_t *mark)
{
	cycle_stats_t st = {0};
	memset(mark, 0, frames);
	mark_logged(self, sh, frames, mark);
	uint64_t extra = mark_unlogged(self, frames, mark);
	extra -= claim_puts(self, sh, frames, mark, &st);
	extra -= claim_gets(self, sh, frames, mark, &st);
	if (extra) {
		print_ops(sh);
		for (uint64_t f = 0; f < frames; f++)
			if (mark[f] == 2)
				stress_fail("%" PRIu64 " frames allocated after recovery that no log "
					    "holds and no op in flight explains, e.g. frame %" PRIu64,
					    extra, f);
	}
	return st;
}

/* Put every logged block back. */
void free_logged(llfree_t *self, shared_t *sh)
{
	for (unsigned t = 0; t < THREADS; t++) {
		for (unsigned i = 0; i < SLOTS; i++) {
			uint64_t v = atomic_load(&sh->log[t].slot[i]);
			if (!v)
				continue;
			llfree_result_t res = llfree_put(self, t % llfree_cores(self), dec_frame(v),
							 dec_order(v), dec_kind(v));
			if (res != LLFREE_OK)
				stress_fail("free logged block %" PRIu64 " order %u of thread %u: %s",
					    dec_frame(v), dec_order(v), t, llfree_strerror(res));
		}
	}
}

/* Diagnostics for a failed count: the allocated frames, as ranges. */
static void print_allocated(const llfree_t *self)
{
	unsigned shown = 0;
	uint64_t frames = llfree_frames(self);
	for (uint64_t f = 0; f < frames && shown < 16; f++) {
		if (!frame_allocated(self, f))
			continue;
		uint64_t end = f;
		while (end + 1 < frames && frame_allocated(self, end + 1))
			end++;
		fprintf(stderr, "  allocated: %" PRIu64 "..%" PRIu64 " (%" PRIu64 " frames)\n", f,
			end, end - f + 1);
		shown++;
		f = end;
	}
}

/* Drain every core, validate, and require every frame free. */
void check_all_free(llfree_t *self, const char *when)
{
	for (size_t core = 0; core < llfree_cores(self); core++)
		STRESS_EXPECT_RES(llfree_drain(self, core), LLFREE_OK, "drain");
	STRESS_EXPECT_RES(llfree_validate(self), LLFREE_OK, when);
	if (llfree_free_frames(self) != llfree_frames(self))
		print_allocated(self);
	STRESS_CHECK(llfree_free_frames(self) == llfree_frames(self),
		     "%s: %" PRIu64 " free of %" PRIu64, when, llfree_free_frames(self),
		     llfree_frames(self));
}
