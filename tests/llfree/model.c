/*
 * The reference model of the differential test (model.h): what llfree.h
 * promises, written as plainly as possible, frame by frame.
 */
#include "model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AREA LLFREE_AREA_FRAMES

void model_init(model_t *m, uint64_t frames)
{
	m->frames = frames;
	m->areas = (frames + AREA - 1) / AREA;
	m->trees = (frames + LLFREE_TREE_FRAMES - 1) / LLFREE_TREE_FRAMES;
	m->used = calloc(frames, 1);
	m->huge = calloc(m->areas, 1);
	m->offline = calloc(m->trees, 1);
	STRESS_CHECK(m->used && m->huge && m->offline, "out of host memory for the model");
	m->free = frames;
}

void model_free(model_t *m)
{
	free(m->used);
	free(m->huge);
	free(m->offline);
}

void model_reset_offline(model_t *m)
{
	memset(m->offline, 0, m->trees);
}

uint64_t model_tree(uint64_t frame)
{
	return frame / LLFREE_TREE_FRAMES;
}

static llfree_result_t check_args(const model_t *m, uint64_t frame, unsigned order)
{
	if (order > LLFREE_MAX_ORDER)
		return LLFREE_ERR_ORDER;
	if (frame % (1ull << order))
		return LLFREE_ERR_ALIGN;
	if (frame >= m->frames || m->frames - frame < (1ull << order))
		return LLFREE_ERR_RANGE;
	return LLFREE_OK;
}

static uint64_t used_in(const model_t *m, uint64_t frame, uint64_t count)
{
	uint64_t used = 0;
	for (uint64_t f = frame; f < frame + count; f++)
		used += m->used[f];
	return used;
}

/* A whole area with every frame free and not allocated as a whole (the library's 512, not huge). */
static bool area_entirely_free(const model_t *m, uint64_t area)
{
	return (area + 1) * AREA <= m->frames && !m->huge[area] && used_in(m, area * AREA, AREA) == 0;
}

llfree_result_t model_put_result(const model_t *m, uint64_t frame, unsigned order)
{
	llfree_result_t res = check_args(m, frame, order);
	if (res != LLFREE_OK)
		return res;
	if (order >= LLFREE_HUGE_ORDER) {
		uint64_t first = frame / AREA, count = 1ull << (order - LLFREE_HUGE_ORDER);
		uint64_t huge = 0, free = 0;
		for (uint64_t a = first; a < first + count; a++) {
			huge += m->huge[a];
			free += area_entirely_free(m, a);
		}
		if (huge == count)
			return LLFREE_OK;
		return free == count ? LLFREE_ERR_DOUBLE_FREE : LLFREE_ERR_WRONG_ORDER;
	}
	if (m->huge[frame / AREA])
		return LLFREE_OK; /* a piece of a huge block: the area splits */
	uint64_t used = used_in(m, frame, 1ull << order);
	if (used == 1ull << order)
		return LLFREE_OK;
	return used == 0 ? LLFREE_ERR_DOUBLE_FREE : LLFREE_ERR_WRONG_ORDER;
}

llfree_result_t model_get_at_result(const model_t *m, uint64_t frame, unsigned order)
{
	llfree_result_t res = check_args(m, frame, order);
	if (res != LLFREE_OK)
		return res;
	if (m->offline[model_tree(frame)])
		return LLFREE_ERR_OFFLINE;
	return model_is_free(m, frame, order) ? LLFREE_OK : LLFREE_ERR_IN_USE;
}

void model_put(model_t *m, uint64_t frame, unsigned order)
{
	for (uint64_t a = frame / AREA; a <= (frame + (1ull << order) - 1) / AREA; a++)
		m->huge[a] = 0; /* freed whole, or split (the rest of the area stays used) */
	for (uint64_t f = frame; f < frame + (1ull << order); f++) {
		STRESS_CHECK(m->used[f], "model: put of free frame %" PRIu64, f);
		m->used[f] = 0;
	}
	m->free += 1ull << order;
}

void model_get(model_t *m, uint64_t frame, unsigned order)
{
	for (uint64_t f = frame; f < frame + (1ull << order); f++)
		m->used[f] = 1;
	if (order >= LLFREE_HUGE_ORDER)
		for (uint64_t a = frame / AREA; a < (frame + (1ull << order)) / AREA; a++)
			m->huge[a] = 1;
	m->free -= 1ull << order;
}

bool model_is_free(const model_t *m, uint64_t frame, unsigned order)
{
	if (check_args(m, frame, order) != LLFREE_OK)
		return false;
	if (order >= LLFREE_HUGE_ORDER) {
		for (uint64_t a = frame / AREA; a < (frame + (1ull << order)) / AREA; a++)
			if (!area_entirely_free(m, a))
				return false;
		return true;
	}
	return !m->huge[frame / AREA] && used_in(m, frame, 1ull << order) == 0;
}

uint64_t model_free_in_range(const model_t *m, uint64_t frame, unsigned order)
{
	uint64_t free = 0;
	for (uint64_t f = frame; f < frame + (1ull << order); f++)
		free += !m->used[f];
	return free;
}

bool model_has_block(const model_t *m, unsigned order)
{
	uint64_t n = 1ull << order;
	for (uint64_t b = 0; b + n <= m->frames;) {
		if (m->offline[model_tree(b)]) {
			b = (model_tree(b) + 1) * LLFREE_TREE_FRAMES;
			continue;
		}
		if (model_is_free(m, b, order))
			return true;
		/* Skip past the first used frame (or, for huge orders, the block). */
		uint64_t next = b + n;
		for (uint64_t f = b; order < LLFREE_HUGE_ORDER && f < b + n; f++)
			if (m->used[f]) {
				next = (f / n + 1) * n;
				break;
			}
		b = next;
	}
	return false;
}

uint64_t model_free_areas(const model_t *m)
{
	uint64_t free = 0;
	for (uint64_t a = 0; a < m->areas; a++)
		free += area_entirely_free(m, a);
	return free;
}

uint64_t model_free_in_tree(const model_t *m, uint64_t tree)
{
	uint64_t first = tree * LLFREE_TREE_FRAMES;
	uint64_t end = first + LLFREE_TREE_FRAMES < m->frames ? first + LLFREE_TREE_FRAMES : m->frames;
	return (end - first) - used_in(m, first, end - first);
}

/* ---- the allocator under test ------------------------------------------------ */

void sut_init(sut_t *s, size_t cores, uint64_t frames)
{
	memset(s, 0, sizeof(*s));
	s->size = llfree_metadata_size(cores, frames);
	s->upper = stress_buffer(s->size.upper);
	s->lower = stress_buffer(s->size.lower);
	s->snap_upper = stress_buffer(s->size.upper);
	s->snap_lower = stress_buffer(s->size.lower);
	s->cfg = (llfree_config_t){.cores = cores, .frames = frames, .mode = LLFREE_INIT_FREE,
				   .upper = s->upper, .upper_size = s->size.upper,
				   .lower = s->lower, .lower_size = s->size.lower};
	STRESS_EXPECT_RES(llfree_init(&s->ll, &s->cfg), LLFREE_OK, "init");
}

void sut_free(sut_t *s)
{
	free(s->upper);
	free(s->lower);
	free(s->snap_upper);
	free(s->snap_lower);
}

void sut_snap(sut_t *s)
{
	memcpy(s->snap_upper, s->upper, s->size.upper);
	memcpy(s->snap_lower, s->lower, s->size.lower);
}

bool sut_unchanged(const sut_t *s)
{
	return memcmp(s->snap_upper, s->upper, s->size.upper) == 0 &&
	       memcmp(s->snap_lower, s->lower, s->size.lower) == 0;
}

/* ---- checks ------------------------------------------------------------------ */

void model_check_counts(model_run_t *r, bool validate)
{
	llfree_t *ll = &r->s.ll;
	STRESS_CHECK(llfree_free_frames(ll) == r->m.free,
		     "after %s: %" PRIu64 " free frames, model %" PRIu64, r->last,
		     llfree_free_frames(ll), r->m.free);
	STRESS_CHECK(llfree_free_huge(ll) == model_free_areas(&r->m),
		     "after %s: %" PRIu64 " free huge areas, model %" PRIu64, r->last,
		     llfree_free_huge(ll), model_free_areas(&r->m));
	if (validate)
		STRESS_EXPECT_RES(llfree_validate(ll), LLFREE_OK, r->last);
}

void model_check_every_frame(model_run_t *r)
{
	for (uint64_t f = 0; f < r->m.frames; f++)
		STRESS_CHECK(llfree_is_free(&r->s.ll, f, 0) == !r->m.used[f],
			     "after %s: frame %" PRIu64 " is %s, model says %s", r->last, f,
			     llfree_is_free(&r->s.ll, f, 0) ? "free" : "allocated",
			     r->m.used[f] ? "allocated" : "free");
}
