/*
 * Tree entry: one 64-bit word per tree of LLFREE_AREAS_PER_TREE areas
 * (design 1): the free count (the whole tree inclusive), the reserved flag
 * (a core's reservation holds the tree and most of its count), the kind
 * of its frames (anti-fragmentation, design 2), two flags the OS sets
 * (offline: never hand out a frame of this tree; fixed: the kind stays as
 * set), and a debt: frames a core took from the lower level while the count
 * was in transit (upper_slow.c, get_on_debt). The count is free - debt; a debt is
 * only ever recorded on an entry with free 0 and paid first by everything
 * that adds to the entry, so debt > 0 implies free == 0. The debt field is
 * as wide as the free count: it holds a whole tree, so that gets of every
 * order can fall back on it. Every change is one CAS loop with a pure update
 * function; every update keeps the two flags (tree_remake).
 */
#ifndef LLFREE_TREE_H
#define LLFREE_TREE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "llfree.h"

typedef uint64_t tree_t;

#define TREE_FREE_BITS 21u
#define TREE_FREE_MASK ((1u << TREE_FREE_BITS) - 1)
#define TREE_RESERVED_SHIFT TREE_FREE_BITS
#define TREE_RESERVED_BIT (1ull << TREE_RESERVED_SHIFT)
#define TREE_KIND_SHIFT (TREE_RESERVED_SHIFT + 1)
#define TREE_KIND_BITS 2u
#define TREE_KIND_MASK ((1u << TREE_KIND_BITS) - 1)
#define TREE_OFFLINE_BIT (1ull << (TREE_KIND_SHIFT + TREE_KIND_BITS))
#define TREE_FIXED_BIT (1ull << (TREE_KIND_SHIFT + TREE_KIND_BITS + 1))
#define TREE_FLAGS (TREE_OFFLINE_BIT | TREE_FIXED_BIT)
#define TREE_DEBT_SHIFT 32u
#define TREE_DEBT_BITS TREE_FREE_BITS
#define TREE_DEBT_MAX ((1u << TREE_DEBT_BITS) - 1)
/* A tree returns to this kind when it becomes entirely free (design 2). */
#define TREE_DEFAULT_KIND LLFREE_KIND_IMMOVABLE

_Static_assert(LLFREE_TREE_FRAMES <= TREE_FREE_MASK, "free count must hold a whole tree");
_Static_assert(LLFREE_TREE_FRAMES <= TREE_DEBT_MAX, "debt must hold a whole tree");
_Static_assert(LLFREE_KINDS <= TREE_KIND_MASK + 1, "kind field too narrow");
_Static_assert(TREE_KIND_SHIFT + TREE_KIND_BITS + 2 <= TREE_DEBT_SHIFT, "flags below the debt");
_Static_assert(TREE_DEBT_SHIFT + TREE_DEBT_BITS <= 64, "tree entry is 64 bits");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(sizeof(_Atomic uint64_t) == sizeof(tree_t), "tree entry is one 64-bit word");

static inline uint32_t tree_free(tree_t t)
{
	return (uint32_t)(t & TREE_FREE_MASK);
}

static inline bool tree_reserved(tree_t t)
{
	return (t & TREE_RESERVED_BIT) != 0;
}

static inline unsigned tree_kind(tree_t t)
{
	return (unsigned)(t >> TREE_KIND_SHIFT) & TREE_KIND_MASK;
}

static inline uint32_t tree_debt(tree_t t)
{
	return (uint32_t)(t >> TREE_DEBT_SHIFT) & TREE_DEBT_MAX;
}

static inline bool tree_offline(tree_t t)
{
	return (t & TREE_OFFLINE_BIT) != 0;
}

static inline bool tree_fixed(tree_t t)
{
	return (t & TREE_FIXED_BIT) != 0;
}

static inline tree_t tree_make_debt(uint32_t free, bool reserved, unsigned kind, uint32_t debt)
{
	return (free & TREE_FREE_MASK) | (reserved ? TREE_RESERVED_BIT : 0) |
	       ((tree_t)(kind & TREE_KIND_MASK) << TREE_KIND_SHIFT) |
	       ((tree_t)(debt & TREE_DEBT_MAX) << TREE_DEBT_SHIFT);
}

static inline tree_t tree_make(uint32_t free, bool reserved, unsigned kind)
{
	return tree_make_debt(free, reserved, kind, 0);
}

/* The fields of an update's new entry, with the flags of the old one. */
static inline tree_t tree_remake(tree_t old, uint32_t free, bool reserved, unsigned kind,
				 uint32_t debt)
{
	return tree_make_debt(free, reserved, kind, debt) | (old & TREE_FLAGS);
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

/*
 * Argument of every update: frames to move, the tree's capacity, for reserve
 * kind and match, for tree_set_offline and tree_set_kind the kind and flag.
 */
typedef struct tree_change {
	uint32_t frames;
	uint32_t capacity;
	unsigned kind;
	tree_match_t match;
	bool flag;
} tree_change_t;

/*
 * Pure updates: the new entry from the old one and arg, or false to refuse.
 * Inline with their CAS loop, like the area entry's (area.h).
 */
typedef bool (*tree_update_fn)(tree_t old, const tree_change_t *arg, tree_t *next);

static inline tree_t tree_load(const _Atomic uint64_t *entry)
{
	return atomic_load_explicit(entry, memory_order_acquire);
}

/* A tree that is entirely free and unreserved forgets its kind (design 2). */
static inline unsigned tree_kind_after(uint32_t free, bool reserved, unsigned kind,
				       uint32_t capacity)
{
	return (!reserved && free == capacity) ? TREE_DEFAULT_KIND : kind;
}

/* The kind after an update to (free, reserved): a fixed kind stays (llfree_set_kind). */
static inline unsigned tree_kind_next(tree_t old, uint32_t free, bool reserved, uint32_t capacity)
{
	return tree_fixed(old) ? tree_kind(old)
			       : tree_kind_after(free, reserved, tree_kind(old), capacity);
}

/* Take frames from the entry (reserved or not, never offline). */
static inline bool tree_dec(tree_t old, const tree_change_t *arg, tree_t *next)
{
	if (tree_free(old) < arg->frames || tree_offline(old))
		return false;
	*next = tree_remake(old, tree_free(old) - arg->frames, tree_reserved(old), tree_kind(old),
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
	unsigned kind = tree_kind_next(old, free, reserved, arg->capacity);
	*next = tree_remake(old, free, reserved, kind, tree_debt(old) - paid);
	return true;
}

/*
 * Record that frames were taken from the lower level of this tree without
 * its count (get_on_debt): from free as far as it goes, the rest as debt.
 * Refused on an offline tree (the frame goes back) and if the debt would
 * overflow (it cannot: the debt is at most what reservations hold).
 */
static inline bool tree_debit(tree_t old, const tree_change_t *arg, tree_t *next)
{
	uint32_t from_free = arg->frames < tree_free(old) ? arg->frames : tree_free(old);
	uint32_t debt = tree_debt(old) + (arg->frames - from_free);
	if (debt > TREE_DEBT_MAX || tree_offline(old))
		return false;
	*next = tree_remake(old, tree_free(old) - from_free, tree_reserved(old), tree_kind(old),
			       debt);
	return true;
}

/* The reserve predicate alone, for scanning before the CAS. */
static inline bool tree_matches(tree_t t, const tree_change_t *arg)
{
	uint32_t free = tree_free(t);
	if (tree_reserved(t) || free < arg->frames || free == 0 || tree_offline(t))
		return false;
	switch (arg->match) {
	case TREE_MATCH_PARTIAL:
		return free < arg->capacity && tree_kind(t) == arg->kind;
	case TREE_MATCH_FREE:
		/* A fixed kind gives its free trees only to its own kind before the last pass. */
		return free == arg->capacity && (!tree_fixed(t) || tree_kind(t) == arg->kind);
	case TREE_MATCH_ANY:
		return true;
	case TREE_MATCH_FILL:
		return free == arg->capacity ? !tree_fixed(t) || tree_kind(t) == arg->kind
					     : tree_kind(t) == arg->kind;
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
 * entirely free tree (any kind not fixed to another) comes next; partly
 * filled trees of other kinds and offline trees are not rated at all (only
 * the last search pass takes other kinds' trees).
 */
static inline uint32_t tree_rating(tree_t t, const tree_change_t *arg)
{
	uint32_t free = tree_free(t);
	if (tree_reserved(t) || free < arg->frames || free == 0 || tree_offline(t))
		return TREE_RATING_NONE;
	if (free == arg->capacity)
		return !tree_fixed(t) || tree_kind(t) == arg->kind ? TREE_RATING_FREE : TREE_RATING_NONE;
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

/*
 * (free f >= frames, not reserved, matching) -> (0, reserved); kind = arg's
 * if entirely free and not fixed.
 */
static inline bool tree_reserve(tree_t old, const tree_change_t *arg, tree_t *next)
{
	if (!tree_matches(old, arg))
		return false;
	unsigned kind = tree_free(old) == arg->capacity && !tree_fixed(old) ? arg->kind
									    : tree_kind(old);
	*next = tree_remake(old, 0, true, kind, tree_debt(old));
	return true;
}

/* (f, reserved) -> (f + frames, not reserved): a reservation gives its tree back. */
static inline bool tree_unreserve(tree_t old, const tree_change_t *arg, tree_t *next)
{
	uint32_t paid = tree_paid(old, arg->frames);
	uint32_t free = tree_free(old) + arg->frames - paid;
	if (!tree_reserved(old) || free > arg->capacity)
		return false;
	*next = tree_remake(old, free, false, tree_kind_next(old, free, false, arg->capacity),
			    tree_debt(old) - paid);
	return true;
}

/* Sync (design 2): (f > 0, reserved, online) -> (0, reserved); the reservation takes f. */
static inline bool tree_take(tree_t old, const tree_change_t *arg, tree_t *next)
{
	(void)arg;
	if (!tree_reserved(old) || tree_free(old) == 0 || tree_offline(old))
		return false;
	*next = tree_remake(old, 0, true, tree_kind(old), tree_debt(old));
	return true;
}

/* Take the tree out of service (flag set) or back; refused if it already is so. */
static inline bool tree_set_offline(tree_t old, const tree_change_t *arg, tree_t *next)
{
	if (tree_offline(old) == arg->flag)
		return false;
	*next = arg->flag ? old | TREE_OFFLINE_BIT : old & ~TREE_OFFLINE_BIT;
	return true;
}

/* Set the kind; with flag it is fixed, without it follows design 2 again. */
static inline bool tree_set_kind(tree_t old, const tree_change_t *arg, tree_t *next)
{
	tree_t kept = old & ~(TREE_FIXED_BIT | ((tree_t)TREE_KIND_MASK << TREE_KIND_SHIFT));
	*next = kept | ((tree_t)(arg->kind & TREE_KIND_MASK) << TREE_KIND_SHIFT) |
		(arg->flag ? TREE_FIXED_BIT : 0);
	return true;
}

/* One CAS loop; *seen is the entry the update succeeded or refused on. */
static inline bool tree_update(_Atomic uint64_t *entry, tree_update_fn fn,
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
