/* Spinning barrier with a phase counter (see barrier.h). */
#include "lib/barrier.h"

#include "arch/cpu.h"

void barrier_init(struct barrier *b, unsigned total)
{
	atomic_store(&b->arrived, 0);
	atomic_store(&b->phase, 0);
	b->total = total;
}

void barrier_wait(struct barrier *b)
{
	unsigned phase = atomic_load_explicit(&b->phase, memory_order_acquire);
	if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) + 1 == b->total) {
		/* Reset before releasing: nobody can arrive for the next phase yet. */
		atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
		atomic_fetch_add_explicit(&b->phase, 1, memory_order_release);
		return;
	}
	while (atomic_load_explicit(&b->phase, memory_order_acquire) == phase)
		cpu_pause();
}
