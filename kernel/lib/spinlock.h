/*
 * Test-and-test-and-set spinlock for short critical sections (the console,
 * early tables). Not fair; callers that need fairness build on something else.
 * The _irqsave variants keep an interrupt handler on the same CPU from
 * spinning on a lock its own CPU holds.
 */
#ifndef KERNEL_LIB_SPINLOCK_H
#define KERNEL_LIB_SPINLOCK_H

#include <stdbool.h>

/* The portable test-and-test-and-set lock of bench/ (one implementation; the kernel may include bench). */
#include "arch/cpu.h"
#include "bench_spinlock.h"

struct spinlock {
	struct bench_spinlock lock;
};

#define SPINLOCK_INIT { { false } }

static inline bool spin_trylock(struct spinlock *l)
{
	return bench_spin_trylock(&l->lock);
}

static inline void spin_lock(struct spinlock *l)
{
	bench_spin_lock(&l->lock);
}

static inline void spin_unlock(struct spinlock *l)
{
	bench_spin_unlock(&l->lock);
}

/* Returns whether interrupts were on, for spin_unlock_irqrestore(). */
static inline bool spin_lock_irqsave(struct spinlock *l)
{
	bool on = interrupts_enabled();
	cli();
	spin_lock(l);
	return on;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, bool was_on)
{
	spin_unlock(l);
	if (was_on)
		sti();
}

#endif
