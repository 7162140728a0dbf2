/*
 * Area entry: one 16-bit word per 2 MiB area (design 1): the free count
 * (0..512), the huge flag, set when the whole area is one allocation, and
 * the area's polarity. Invariant: huge implies free == 0. Every change is
 * one CAS loop with a pure update function.
 *
 * Polarity (the lock-free huge split, docs/llfree.md): a bitfield bit is
 * "allocated" when it differs from the polarity (0: a set bit is allocated,
 * as usual; inverted: a clear bit is). A huge area's bitfield reads "all
 * free" in its polarity. Splitting it, so that its frames can be freed one
 * by one, is then one CAS that clears the huge flag and flips the polarity:
 * the untouched bitfield reads "all allocated" at once, and no core ever
 * waits for another to fill rows. The polarity changes only on a huge area,
 * where no small get or free can be in flight, so a bitfield operation may
 * use the polarity it read with the count it took (or, freeing, the one it
 * read while holding the frames it frees).
 *
 * Freeing: set on a huge area while a free of several areas (order >= 10)
 * has claimed it (lower_put_huge), so that a concurrent double free sees a
 * claim instead of half a block.
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
#define AREA_INVERTED_BIT (1u << (AREA_HUGE_SHIFT + 1))
#define AREA_FREEING_BIT (1u << (AREA_HUGE_SHIFT + 2))

_Static_assert(LLFREE_AREA_FRAMES <= AREA_FREE_MASK, "free count must hold a whole area");
_Static_assert(AREA_HUGE_SHIFT + 3 <= 16, "area entry is 16 bits");
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

static inline bool area_inverted(area_t a)
{
	return (a & AREA_INVERTED_BIT) != 0;
}

static inline bool area_freeing(area_t a)
{
	return (a & AREA_FREEING_BIT) != 0;
}

/* The bitfield's polarity as a row mask: row ^ polarity has a 1 for each allocated frame. */
static inline uint64_t area_polarity(area_t a)
{
	return area_inverted(a) ? UINT64_MAX : 0;
}

static inline area_t area_make_polarity(unsigned free, bool huge, bool inverted)
{
	return (area_t)((free & AREA_FREE_MASK) | (huge ? AREA_HUGE_BIT : 0) |
			(inverted ? AREA_INVERTED_BIT : 0));
}

static inline area_t area_make(unsigned free, bool huge)
{
	return area_make_polarity(free, huge, false);
}

/* Entirely free (512, not huge), whatever the polarity. */
static inline bool area_entirely_free(area_t a)
{
	return (a & (AREA_FREE_MASK | AREA_HUGE_BIT | AREA_FREEING_BIT)) == LLFREE_AREA_FRAMES;
}

static inline area_t area_load(const _Atomic uint16_t *entry)
{
	return atomic_load_explicit(entry, memory_order_acquire);
}

/*
 * Pure updates: the new entry from the old one and arg, or false to refuse.
 * They and their CAS loop are inline: every allocation runs them, and the
 * compiler can fold the update into the loop only when it sees both. All
 * keep the polarity but area_split.
 */
typedef bool (*area_update_fn)(area_t old, unsigned arg, area_t *next);

/* Take arg frames; refuses a huge area or too few free. */
static inline bool area_dec(area_t old, unsigned frames, area_t *next)
{
	if (area_huge(old) || area_free(old) < frames)
		return false;
	*next = (area_t)(old - frames);
	return true;
}

/* Give back arg frames; refuses a huge area or more than a whole area. */
static inline bool area_inc(area_t old, unsigned frames, area_t *next)
{
	if (area_huge(old) || area_free(old) + frames > LLFREE_AREA_FRAMES)
		return false;
	*next = (area_t)(old + frames);
	return true;
}

/* (512, not huge) -> (0, huge). */
static inline bool area_to_huge(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (!area_entirely_free(old))
		return false;
	*next = area_make_polarity(0, true, area_inverted(old));
	return true;
}

/* (0, huge) -> (512, not huge); with arg, only if claimed by this free (lower_put_huge). */
static inline bool area_from_huge(area_t old, unsigned claimed, area_t *next)
{
	if (!area_huge(old) || area_freeing(old) != (claimed != 0))
		return false;
	*next = area_make_polarity(LLFREE_AREA_FRAMES, false, area_inverted(old));
	return true;
}

/* Claim a huge area for a free of several areas: (0, huge) -> (0, huge, freeing). */
static inline bool area_claim(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (!area_huge(old) || area_freeing(old))
		return false;
	*next = (area_t)(old | AREA_FREEING_BIT);
	return true;
}

/* Undo of area_claim. */
static inline bool area_unclaim(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (!area_huge(old) || !area_freeing(old))
		return false;
	*next = (area_t)(old & ~AREA_FREEING_BIT);
	return true;
}

/*
 * Split a huge area: (0, huge) -> (0, not huge, polarity flipped). Its
 * bitfield, all free in the old polarity, is all allocated in the new one.
 * Refused on an area that is not huge or that a free of several areas claimed.
 */
static inline bool area_split(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (!area_huge(old) || area_freeing(old))
		return false;
	*next = area_make_polarity(0, false, !area_inverted(old));
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
