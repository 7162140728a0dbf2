/*
 * Test hooks: points inside LLFree where a test build (-DLLFREE_TEST_HOOKS,
 * host tests only, never the kernel) calls llfree_test_hook(), which the
 * test defines. A hook may yield (to stretch a window as a descheduled vCPU
 * does), park the calling thread until the test releases it (to show that
 * other cores finish without it: lock-freedom), or count (to measure what
 * the slow paths cost other cores). In every other build LLFREE_HOOK is
 * nothing at all.
 */
#ifndef LLFREE_HOOKS_H
#define LLFREE_HOOKS_H

#include <stdint.h>

enum llfree_hook {
	/* A count is in neither a tree entry nor a reservation (upper.c). */
	LLFREE_HOOK_TRANSIT_UNRESERVE = 1, /* reservation exchanged, tree not yet unreserved */
	LLFREE_HOOK_TRANSIT_RESERVE = 2,   /* tree reserved, reservation not yet swapped in */
	LLFREE_HOOK_TRANSIT_SYNC = 3,      /* count taken from the entry, not yet added */
	/* A free of a piece of a huge area saw the area huge (arg: area), before the split. */
	LLFREE_HOOK_SPLIT_SEEN = 4,
	/* The same free after its split CAS, before it clears its bits (arg: area). */
	LLFREE_HOOK_SPLIT_DONE = 5,
	/* A free of several huge areas has claimed area arg, before the next (lower.c). */
	LLFREE_HOOK_PUT_HUGE_CLAIMED = 6,
};

#ifdef LLFREE_TEST_HOOKS
void llfree_test_hook(enum llfree_hook where, uint64_t arg);
#define LLFREE_HOOK(where, arg) llfree_test_hook((where), (uint64_t)(arg))
#else
#define LLFREE_HOOK(where, arg) ((void)0)
#endif

#endif
