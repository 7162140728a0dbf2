/*
 * A test-and-test-and-set spinlock in portable C11 (stdatomic), for the
 * benchmark baselines (buddy, list) and the kernel's own lock
 * (kernel/lib/spinlock.h); builds in the freestanding kernel and on the host.
 *
 * Waiters spin on a plain load (the line stays shared in their caches) and
 * try the exchange only when the lock looks free, so a release costs one
 * invalidation instead of a storm of failed exchanges. The pause hint
 * (Intel SDM Vol. 2B, PAUSE) saves power and avoids the memory-order
 * mis-speculation penalty when the spin loop exits.
 */
#ifndef BENCH_BENCH_SPINLOCK_H
#define BENCH_BENCH_SPINLOCK_H

#include <stdatomic.h>
#include <stdbool.h>

struct bench_spinlock {
	atomic_bool locked;
};

static inline void bench_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

static inline void bench_spin_init(struct bench_spinlock *l)
{
	atomic_init(&l->locked, false);
}

static inline bool bench_spin_trylock(struct bench_spinlock *l)
{
	return !atomic_load_explicit(&l->locked, memory_order_relaxed) &&
	       !atomic_exchange_explicit(&l->locked, true, memory_order_acquire);
}

/* relax() runs while another holder has the lock; NULL: the pause hint. */
static inline void bench_spin_lock_relax(struct bench_spinlock *l, void (*relax)(void))
{
	/* Optimistic first exchange: the uncontended case is one atomic op. */
	while (atomic_exchange_explicit(&l->locked, true, memory_order_acquire)) {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			if (relax)
				relax();
			else
				bench_cpu_relax();
		}
	}
}

static inline void bench_spin_lock(struct bench_spinlock *l)
{
	bench_spin_lock_relax(l, NULL);
}

static inline void bench_spin_unlock(struct bench_spinlock *l)
{
	atomic_store_explicit(&l->locked, false, memory_order_release);
}

#endif
