/*
 * Area entries (design 1 and 2). The update functions and their CAS loop
 * are inline in area.h (the hot path); what is here runs only to check.
 * Counts are unsigned int, never 16-bit temporaries (mistake 7).
 */
#include "area.h"

#include "llfree_platform.h"

bool area_agrees(size_t area, area_t entry, unsigned counted_free, unsigned valid)
{
	if (area_freeing(entry)) {
		llfree_log("llfree: area %llu: free of a huge block left unfinished\n",
			   (unsigned long long)area);
		return false;
	}
	if (area_huge(entry)) {
		/* A huge area is one allocation: counter 0, bitfield all free, a whole area. */
		if (area_free(entry) == 0 && counted_free == LLFREE_AREA_FRAMES &&
		    valid == LLFREE_AREA_FRAMES)
			return true;
		llfree_log("llfree: area %llu: huge with counter %u, bitfield %u free, %u frames\n",
			   (unsigned long long)area, area_free(entry), counted_free, valid);
		return false;
	}
	if (area_free(entry) == counted_free)
		return true;
	llfree_log("llfree: area %llu: counter %u, bitfield %u free\n", (unsigned long long)area,
		   area_free(entry), counted_free);
	return false;
}
