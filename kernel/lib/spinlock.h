/*
 * Test-and-test-and-set spinlock for short critical sections (the console,
 * early tables). Not fair; callers that need fairness build on something else.
 * The _irqsave variants keep an interrupt handler on the same CPU from
 * spinning on a lock its own CPU holds.
 */
#ifndef KERNEL_LIB_SPINLOCK_H
#define KERNEL_LIB_SPINLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu.h"

struct spinlock {
	atomic_uint locked;
};

#define SPINLOCK_INIT { 0 }

static inline bool spin_trylock(struct spinlock *l)
{
	return atomic_exchange_explicit(&l->locked, 1, memory_order_acquire) == 0;
}

static inline void spin_lock(struct spinlock *l)
{
	while (!spin_trylock(l))
		while (atomic_load_explicit(&l->locked, memory_order_relaxed))
			cpu_pause();
}

static inline void spin_unlock(struct spinlock *l)
{
	atomic_store_explicit(&l->locked, 0, memory_order_release);
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
