/*
 * A reusable barrier for CPUs 0 .. total-1 (dense indices) that sleeps.
 *
 * Waiters halt instead of spinning, and the last CPU to arrive wakes the
 * others with targeted IPIs (APIC_VECTOR_WAKE). Under QEMU TCG with more
 * vCPUs than host CPUs, spinning waiters would take the host time the last
 * worker needs (64 vCPUs on 2 host CPUs: a phase ran 10x longer).
 * Sense reversal by a phase counter: the last arrival resets the count, then
 * advances the phase the others wait on, so the barrier is reusable at once.
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
/* Wait until CPUs 0 .. total-1 have all called this for the current phase. */
void barrier_wait(struct barrier *b);

/*
 * Sleep until *word != old. Interrupts are enabled while halted and
 * restored on return. The CPU that changes the word must send
 * APIC_VECTOR_WAKE to this one (see wake_cpu). Bounded by the watchdog
 * (lib/watchdog.h): on the boot CPU it wakes every tick, re-sends lost
 * wake-ups and reports a CPU it waits for too long; every CPU records the
 * wait in its struct percpu for that.
 */
void wait_while_equal(_Atomic unsigned *word, unsigned old);
/* Send APIC_VECTOR_WAKE to the CPU with dense index `index`. */
void wake_cpu(unsigned index);

#endif
