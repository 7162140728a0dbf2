/*
 * Sleeping barrier and wait (see barrier.h).
 *
 * No wake-up lost by the waiter: it tests the word with interrupts off and
 * then runs `sti; hlt`. STI enables interrupts only after the next
 * instruction (Intel SDM Vol. 2B, STI), so an IPI sent after the test ends
 * the HLT instead of being taken before it. An IPI lost on the way (or never
 * sent: lose_wakeups=K) is sent again by the boot CPU's watchdog, which also
 * bounds every wait (lib/watchdog.h).
 */
#include "lib/barrier.h"

#include <stdbool.h>

#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/tsc.h"
#include "cmdline.h"
#include "lib/watchdog.h"

static uint64_t opt_lose_wakeups;
KOPT_UINT(opt_lose_wakeups, "lose_wakeups", "0",
	  "self-test: every Nth wake-up IPI is not sent, as if lost; the watchdog must send them again");
static _Atomic uint64_t wakeups;

void wake_cpu(unsigned index)
{
	struct percpu *cpu = percpu_get(index);
	if (!cpu || cpu == this_cpu())
		return;
	if (opt_lose_wakeups && (atomic_fetch_add(&wakeups, 1) + 1) % opt_lose_wakeups == 0)
		return;
	apic_send_fixed(cpu->apic_id, APIC_VECTOR_WAKE);
}

void wait_while_equal(_Atomic unsigned *word, unsigned old)
{
	bool irq_on = interrupts_enabled();
	bool bsp = this_cpu_index() == 0;
	uint64_t since = tsc_begin();
	watchdog_wait_begin(word, old, since);
	for (;;) {
		cli();
		if (atomic_load_explicit(word, memory_order_acquire) != old)
			break;
		if (bsp)
			watchdog_bsp_sleep(since);
		else
			__asm__ volatile("sti; hlt" ::: "memory");
	}
	if (bsp)
		apic_timer_stop();
	watchdog_wait_end();
	if (irq_on)
		sti();
}

void barrier_init(struct barrier *b, unsigned total)
{
	atomic_store(&b->arrived, 0);
	atomic_store(&b->phase, 0);
	b->total = total;
}

void barrier_wait(struct barrier *b)
{
	unsigned phase = atomic_load_explicit(&b->phase, memory_order_acquire);
	if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) + 1 != b->total) {
		wait_while_equal(&b->phase, phase);
		return;
	}
	/* Last one: reset before releasing, nobody can arrive for the next phase yet. */
	atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&b->phase, 1, memory_order_release);
	for (unsigned i = 0; i < b->total; i++)
		wake_cpu(i);
}
