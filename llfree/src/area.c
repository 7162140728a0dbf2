/*
 * Area entries (design 1 and 2): the pure update functions and their CAS
 * loop. Counts are unsigned int, never 16-bit temporaries (mistake 7).
 */
#include "area.h"

bool area_dec(area_t old, unsigned frames, area_t *next)
{
	if (area_huge(old) || area_free(old) < frames)
		return false;
	*next = area_make(area_free(old) - frames, false);
	return true;
}

bool area_inc(area_t old, unsigned frames, area_t *next)
{
	if (area_huge(old) || area_free(old) + frames > LLFREE_AREA_FRAMES)
		return false;
	*next = area_make(area_free(old) + frames, false);
	return true;
}

bool area_to_huge(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (area_huge(old) || area_free(old) != LLFREE_AREA_FRAMES)
		return false;
	*next = area_make(0, true);
	return true;
}

bool area_from_huge(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (!area_huge(old))
		return false;
	*next = area_make(LLFREE_AREA_FRAMES, false);
	return true;
}

bool area_split(area_t old, unsigned unused, area_t *next)
{
	(void)unused;
	if (!area_huge(old))
		return false;
	*next = area_make(0, false);
	return true;
}

bool area_update(_Atomic uint16_t *entry, area_update_fn fn, unsigned arg, area_t *seen)
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
