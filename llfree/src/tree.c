/*
 * Tree entries (design 1 and 2): the pure update functions and their CAS
 * loop. Counts are uint32_t: trees hold more than 65535 frames when
 * LLFREE_AREAS_PER_TREE_SHIFT >= 7 (mistake 7).
 */
#include "tree.h"

/* A tree that is entirely free and unreserved forgets its kind (design 2). */
static unsigned kind_after(uint32_t free, bool reserved, unsigned kind, uint32_t capacity)
{
	return (!reserved && free == capacity) ? TREE_DEFAULT_KIND : kind;
}

bool tree_dec(tree_t old, const tree_change_t *arg, tree_t *next)
{
	if (tree_free(old) < arg->frames)
		return false;
	*next = tree_make(tree_free(old) - arg->frames, tree_reserved(old), tree_kind(old));
	return true;
}

bool tree_inc(tree_t old, const tree_change_t *arg, tree_t *next)
{
	uint32_t free = tree_free(old) + arg->frames;
	if (free > arg->capacity)
		return false;
	bool reserved = tree_reserved(old);
	*next = tree_make(free, reserved, kind_after(free, reserved, tree_kind(old), arg->capacity));
	return true;
}

bool tree_matches(tree_t t, const tree_change_t *arg)
{
	uint32_t free = tree_free(t);
	if (tree_reserved(t) || free < arg->frames || free == 0)
		return false;
	switch (arg->match) {
	case TREE_MATCH_PARTIAL:
		return free < arg->capacity && tree_kind(t) == arg->kind;
	case TREE_MATCH_FREE:
		return free == arg->capacity;
	case TREE_MATCH_ANY:
		return true;
	}
	return false;
}

bool tree_reserve(tree_t old, const tree_change_t *arg, tree_t *next)
{
	if (!tree_matches(old, arg))
		return false;
	unsigned kind = tree_free(old) == arg->capacity ? arg->kind : tree_kind(old);
	*next = tree_make(0, true, kind);
	return true;
}

bool tree_unreserve(tree_t old, const tree_change_t *arg, tree_t *next)
{
	uint32_t free = tree_free(old) + arg->frames;
	if (!tree_reserved(old) || free > arg->capacity)
		return false;
	*next = tree_make(free, false, kind_after(free, false, tree_kind(old), arg->capacity));
	return true;
}

bool tree_take(tree_t old, const tree_change_t *arg, tree_t *next)
{
	(void)arg;
	if (!tree_reserved(old) || tree_free(old) == 0)
		return false;
	*next = tree_make(0, true, tree_kind(old));
	return true;
}

bool tree_update(_Atomic uint32_t *entry, tree_update_fn fn, const tree_change_t *arg,
		 tree_t *seen)
{
	tree_t old = tree_load(entry);
	for (;;) {
		tree_t next;
		if (!fn(old, arg, &next)) {
			*seen = old;
			return false;
		}
		if (atomic_compare_exchange_weak_explicit(entry, &old, next, memory_order_acq_rel,
							  memory_order_acquire)) {
			*seen = old;
			return true;
		}
	}
}
