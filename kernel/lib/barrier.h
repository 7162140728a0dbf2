/*
 * A reusable spinning barrier for a fixed number of CPUs (sense reversal
 * by a phase counter: the last arrival resets the count, then advances the
 * phase that the others wait on, so the barrier can be reused at once).
 */
#ifndef KERNEL_LIB_BARRIER_H
#define KERNEL_LIB_BARRIER_H

#include <stdatomic.h>

struct barrier {
	_Atomic unsigned arrived;
	_Atomic unsigned phase;
	unsigned total;
};

void barrier_init(struct barrier *b, unsigned total);
/* Wait until `total` CPUs have called this for the current phase. */
void barrier_wait(struct barrier *b);

#endif
