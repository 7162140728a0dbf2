/*
 * Area entry: one 16-bit word per 2 MiB area (design 1): the free count
 * (0..512) and the huge flag, set when the whole area is one allocation.
 * Invariant: huge implies free == 0. Every change is one CAS loop with a
 * pure update function.
 */
#ifndef LLFREE_AREA_H
#define LLFREE_AREA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llfree.h"

typedef uint16_t area_t;

#define AREA_FREE_BITS 10u
#define AREA_FREE_MASK ((1u << AREA_FREE_BITS) - 1)
#define AREA_HUGE_SHIFT AREA_FREE_BITS
#define AREA_HUGE_BIT (1u << AREA_HUGE_SHIFT)
/* Set on a huge area while one core fills its bitfield to split it (lower.c). */
#define AREA_SPLITTING_BIT (1u << (AREA_HUGE_SHIFT + 1))

_Static_assert(LLFREE_AREA_FRAMES <= AREA_FREE_MASK, "free count must hold a whole area");
_Static_assert(AREA_HUGE_SHIFT + 1 < 16, "area entry is 16 bits");
_Static_assert(ATOMIC_SHORT_LOCK_FREE == 2, "16-bit atomics must be lock-free");
_Static_assert(sizeof(_Atomic uint16_t) == sizeof(area_t), "area entry is one 16-bit word");

static inline unsigned area_free(area_t a)
{
	return a & AREA_FREE_MASK;
}

static inline bool area_huge(area_t a)
{
	return (a & AREA_HUGE_BIT) != 0;
}

static inline bool area_splitting(area_t a)
{
	return (a & AREA_SPLITTING_BIT) != 0;
}

static inline area_t area_make(unsigned free, bool huge)
{
	return (area_t)((free & AREA_FREE_MASK) | (huge ? AREA_HUGE_BIT : 0));
}

static inline area_t area_load(const _Atomic uint16_t *entry)
{
	return atomic_load_explicit(entry, memory_order_acquire);
}

/*
 * Pure updates: the new entry from the old one and arg, or false to refuse.
 * They and their CAS loop are inline: every allocation runs them, and the
 * compiler can fold the update into the loop only when it sees both.
 */
typedef bool (*area_update_fn)(area_t old, unsigned arg, area_t *next);

/* Take arg frames; refuses a huge area or too few free. */
static inline bool area_dec(area_t old, unsigned frames, area_t *next)
{
	if (area_huge(old) || area_free(old) < frames)
		return false;
	*next = area_make(area_free(old) - frames, false);
	return true;
}

/* Give back arg frames; refuses a huge area or more than a whole area. */
static inline bool area_inc(area_t old, unsigned frames, area_t *next)
{
	if (area_huge(old) || area_free(old) + frames > LLFREE_AREA_FRAMES)
		return false;
	*next = area_make(area_free(old) + frames, false);
	return true;
}

/* (512, not huge) -> (0, huge). */
static inline bool area_to_huge(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (area_huge(old) || area_free(old) != LLFREE_AREA_FRAMES)
		return false;
	*next = area_make(0, true);
	return true;
}

/* (0, huge) -> (512, not huge); refused while the area is being split. */
static inline bool area_from_huge(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (!area_huge(old) || area_splitting(old))
		return false;
	*next = area_make(LLFREE_AREA_FRAMES, false);
	return true;
}

/* Claim the split of a huge area: (0, huge) -> (0, huge, splitting). */
static inline bool area_claim_split(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (!area_huge(old) || area_splitting(old))
		return false;
	*next = (area_t)(old | AREA_SPLITTING_BIT);
	return true;
}

/* End the split, after the bitfield was filled: (0, huge, splitting) -> (0, not huge). */
static inline bool area_split(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (!area_huge(old) || !area_splitting(old))
		return false;
	*next = area_make(0, false);
	return true;
}

/* One CAS loop; *seen is the entry the update succeeded or refused on. */
static inline bool area_update(_Atomic uint16_t *entry, area_update_fn fn, unsigned arg,
			       area_t *seen)
{
	area_t old = area_load(entry);
	for (;;) {
		area_t next;
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

/*
 * Validation (cold): does the entry agree with a recount of its bitfield
 * (counted_free frames clear, zero if none set) for an area holding valid
 * frames? Logs the disagreement.
 */
bool area_agrees(size_t area, area_t entry, unsigned counted_free, unsigned valid);

#endif
