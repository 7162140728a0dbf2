/*
 * Tree entry: one 32-bit word per tree of LLFREE_AREAS_PER_TREE areas
 * (design 1): the free count (the whole tree inclusive), the reserved flag
 * (a core's reservation holds the tree and most of its count), the kind
 * of its frames (anti-fragmentation, design 2), and a debt: frames a core
 * took from the lower level while the count was in transit (upper.c,
 * get_on_debt). The count is free - debt; a debt is only ever recorded on
 * an entry with free 0 and paid first by everything that adds to the entry,
 * so debt > 0 implies free == 0. Every change is one CAS loop with a pure
 * update function.
 */
#ifndef LLFREE_TREE_H
#define LLFREE_TREE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "llfree.h"

typedef uint32_t tree_t;

#define TREE_FREE_BITS 21u
#define TREE_FREE_MASK ((1u << TREE_FREE_BITS) - 1)
#define TREE_RESERVED_SHIFT TREE_FREE_BITS
#define TREE_RESERVED_BIT (1u << TREE_RESERVED_SHIFT)
#define TREE_KIND_SHIFT (TREE_RESERVED_SHIFT + 1)
#define TREE_KIND_BITS 2u
#define TREE_KIND_MASK ((1u << TREE_KIND_BITS) - 1)
#define TREE_DEBT_SHIFT (TREE_KIND_SHIFT + TREE_KIND_BITS)
#define TREE_DEBT_BITS 8u
#define TREE_DEBT_MAX ((1u << TREE_DEBT_BITS) - 1)
/* A tree returns to this kind when it becomes entirely free (design 2). */
#define TREE_DEFAULT_KIND LLFREE_KIND_IMMOVABLE

_Static_assert(LLFREE_TREE_FRAMES <= TREE_FREE_MASK, "free count must hold a whole tree");
_Static_assert(LLFREE_KINDS <= TREE_KIND_MASK + 1, "kind field too narrow");
_Static_assert(TREE_DEBT_SHIFT + TREE_DEBT_BITS <= 32, "tree entry is 32 bits");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");
_Static_assert(sizeof(_Atomic uint32_t) == sizeof(tree_t), "tree entry is one 32-bit word");

static inline uint32_t tree_free(tree_t t)
{
	return t & TREE_FREE_MASK;
}

static inline bool tree_reserved(tree_t t)
{
	return (t & TREE_RESERVED_BIT) != 0;
}

static inline unsigned tree_kind(tree_t t)
{
	return (t >> TREE_KIND_SHIFT) & TREE_KIND_MASK;
}

static inline uint32_t tree_debt(tree_t t)
{
	return t >> TREE_DEBT_SHIFT;
}

static inline tree_t tree_make_debt(uint32_t free, bool reserved, unsigned kind, uint32_t debt)
{
	return (free & TREE_FREE_MASK) | (reserved ? TREE_RESERVED_BIT : 0) |
	       ((kind & TREE_KIND_MASK) << TREE_KIND_SHIFT) |
	       ((debt & TREE_DEBT_MAX) << TREE_DEBT_SHIFT);
}

static inline tree_t tree_make(uint32_t free, bool reserved, unsigned kind)
{
	return tree_make_debt(free, reserved, kind, 0);
}

/* The entry's count: free less debt (negative only while a reservation holds the surplus). */
static inline int64_t tree_count(tree_t t)
{
	return (int64_t)tree_free(t) - (int64_t)tree_debt(t);
}

/* Which trees a reservation search accepts (design 2). */
typedef enum tree_match {
	TREE_MATCH_PARTIAL, /* partly filled, of the wanted kind */
	TREE_MATCH_FREE,    /* entirely free, any kind */
	TREE_MATCH_ANY,     /* enough frames, any kind */
	TREE_MATCH_FILL,    /* partly filled of the wanted kind, or entirely free (tree_rating) */
} tree_match_t;

/* Argument of every update: frames to move, the tree's capacity, and for reserve kind and match. */
typedef struct tree_change {
	uint32_t frames;
	uint32_t capacity;
	unsigned kind;
	tree_match_t match;
} tree_change_t;

/*
 * Pure updates: the new entry from the old one and arg, or false to refuse.
 * Inline with their CAS loop, like the area entry's (area.h).
 */
typedef bool (*tree_update_fn)(tree_t old, const tree_change_t *arg, tree_t *next);

static inline tree_t tree_load(const _Atomic uint32_t *entry)
{
	return atomic_load_explicit(entry, memory_order_acquire);
}

/* A tree that is entirely free and unreserved forgets its kind (design 2). */
static inline unsigned tree_kind_after(uint32_t free, bool reserved, unsigned kind,
				       uint32_t capacity)
{
	return (!reserved && free == capacity) ? TREE_DEFAULT_KIND : kind;
}

/* Take frames from the entry (reserved or not). */
static inline bool tree_dec(tree_t old, const tree_change_t *arg, tree_t *next)
{
	if (tree_free(old) < arg->frames)
		return false;
	*next = tree_make_debt(tree_free(old) - arg->frames, tree_reserved(old), tree_kind(old),
			       tree_debt(old));
	return true;
}

/* Frames added to an entry pay its debt first (the frames that were taken on it). */
static inline uint32_t tree_paid(tree_t old, uint32_t frames)
{
	return frames < tree_debt(old) ? frames : tree_debt(old);
}

/* Give frames back; an entirely free unreserved tree returns to the default kind. */
static inline bool tree_inc(tree_t old, const tree_change_t *arg, tree_t *next)
{
	uint32_t paid = tree_paid(old, arg->frames);
	uint32_t free = tree_free(old) + arg->frames - paid;
	if (free > arg->capacity)
		return false;
	bool reserved = tree_reserved(old);
	unsigned kind = tree_kind_after(free, reserved, tree_kind(old), arg->capacity);
	*next = tree_make_debt(free, reserved, kind, tree_debt(old) - paid);
	return true;
}

/*
 * Record that frames were taken from the lower level of this tree without
 * its count (get_on_debt): from free as far as it goes, the rest as debt.
 * Refused if the debt would overflow.
 */
static inline bool tree_debit(tree_t old, const tree_change_t *arg, tree_t *next)
{
	uint32_t from_free = arg->frames < tree_free(old) ? arg->frames : tree_free(old);
	uint32_t debt = tree_debt(old) + (arg->frames - from_free);
	if (debt > TREE_DEBT_MAX)
		return false;
	*next = tree_make_debt(tree_free(old) - from_free, tree_reserved(old), tree_kind(old),
			       debt);
	return true;
}

/* The reserve predicate alone, for scanning before the CAS. */
static inline bool tree_matches(tree_t t, const tree_change_t *arg)
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
	case TREE_MATCH_FILL:
		return free == arg->capacity || tree_kind(t) == arg->kind;
	}
	return false;
}

/* Ratings of tree_rating, lowest first. */
#define TREE_RATING_NONE 0u
#define TREE_RATING_FREE 1u
#define TREE_RATING_PARTIAL 2u

/*
 * How good a reservation of this tree is for a core that allocates
 * arg->frames of arg->kind (design 2, "Upper allocator"): higher is better,
 * TREE_RATING_NONE for a tree it cannot reserve. A partly filled tree of
 * the kind rates above every entirely free tree, and the fewer free frames
 * it has the better: allocations refill the fullest trees, so that the
 * others only drain under frees and their areas become entirely free. An
 * entirely free tree (any kind) comes next; partly filled trees of other
 * kinds are not rated at all (only the last search pass takes them).
 */
static inline uint32_t tree_rating(tree_t t, const tree_change_t *arg)
{
	uint32_t free = tree_free(t);
	if (tree_reserved(t) || free < arg->frames || free == 0)
		return TREE_RATING_NONE;
	if (free == arg->capacity)
		return TREE_RATING_FREE;
	if (tree_kind(t) != arg->kind)
		return TREE_RATING_NONE;
	return TREE_RATING_PARTIAL + (LLFREE_TREE_FRAMES - free);
}

/* A tree with at most this many free frames is nearly full: a search takes the first one. */
#define TREE_GOOD_FREE (LLFREE_TREE_FRAMES / 8)

/* A partly filled tree of the kind that is nearly full (at most TREE_GOOD_FREE free). */
static inline bool tree_rating_good(uint32_t rating)
{
	return rating >= TREE_RATING_PARTIAL + LLFREE_TREE_FRAMES - TREE_GOOD_FREE;
}

/* (free f >= frames, not reserved, matching) -> (0, reserved); kind = arg's if entirely free. */
static inline bool tree_reserve(tree_t old, const tree_change_t *arg, tree_t *next)
{
	if (!tree_matches(old, arg))
		return false;
	unsigned kind = tree_free(old) == arg->capacity ? arg->kind : tree_kind(old);
	*next = tree_make_debt(0, true, kind, tree_debt(old));
	return true;
}

/* (f, reserved) -> (f + frames, not reserved): a reservation gives its tree back. */
static inline bool tree_unreserve(tree_t old, const tree_change_t *arg, tree_t *next)
{
	uint32_t paid = tree_paid(old, arg->frames);
	uint32_t free = tree_free(old) + arg->frames - paid;
	if (!tree_reserved(old) || free > arg->capacity)
		return false;
	*next = tree_make_debt(free, false,
			       tree_kind_after(free, false, tree_kind(old), arg->capacity),
			       tree_debt(old) - paid);
	return true;
}

/* Sync (design 2): (f > 0, reserved) -> (0, reserved); the reservation takes f. */
static inline bool tree_take(tree_t old, const tree_change_t *arg, tree_t *next)
{
	(void)arg;
	if (!tree_reserved(old) || tree_free(old) == 0)
		return false;
	*next = tree_make_debt(0, true, tree_kind(old), tree_debt(old));
	return true;
}

/* One CAS loop; *seen is the entry the update succeeded or refused on. */
static inline bool tree_update(_Atomic uint32_t *entry, tree_update_fn fn,
			       const tree_change_t *arg, tree_t *seen)
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

/* The kind's name for logs (cold). */
const char *tree_kind_name(unsigned kind);

#endif
