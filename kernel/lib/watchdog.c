/*
 * The boot CPU's watchdog (see watchdog.h). Intel SDM Vol. 3A, 11.5.4 (the
 * APIC timer that wakes the boot CPU), 11.6.1 (the wake-up IPI sent again).
 * Linux re-arms an hrtimer-driven softlockup detector per CPU and an NMI
 * watchdog from a performance counter; this kernel only needs to end a run
 * that waits forever, so one tick on the one CPU that waits for the others.
 */
#include "lib/watchdog.h"

#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/idt.h"
#include "arch/percpu.h"
#include "arch/tsc.h"
#include "cmdline.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/run_cores.h"
#include "verdict.h"

static uint64_t opt_watchdog;
KOPT_UINT(opt_watchdog, "watchdog", "60",
	  "seconds the boot CPU waits for a CPU before it reports it stuck and ends the run (0: never)");

static bool have_tick;
/* Per CPU: the wait (its wait_since) whose word was first seen changed, and when. */
static uint64_t ready_wait[CPU_MAX], ready_at[CPU_MAX];

static void tick_handler(struct trap_frame *frame)
{
	(void)frame;
	apic_eoi();
}

void watchdog_init(void)
{
	idt_set_handler(APIC_VECTOR_TIMER, tick_handler);
	have_tick = apic_timer_calibrate();
	if (!have_tick)
		kprintf("WARN msg=\"the local APIC timer does not count: the boot CPU polls while it waits\"\n");
}

unsigned watchdog_limit_s(void)
{
	return (unsigned)opt_watchdog;
}

void watchdog_wait_begin(const _Atomic unsigned *word, unsigned old, uint64_t since)
{
	struct percpu *self = this_cpu();
	self->wait_old = old;
	self->wait_since = since;
	atomic_store_explicit(&self->wait_word, (uintptr_t)word, memory_order_release);
}

void watchdog_wait_end(void)
{
	atomic_store_explicit(&this_cpu()->wait_word, 0, memory_order_release);
}

void watchdog_stuck(unsigned cpu, const char *phase, unsigned seconds)
{
	panic_enter(); /* stops the others with NMIs: the stuck one may spin with interrupts off */
	kprintf("ERROR msg=\"cpu %u stuck in %s for %u s\"\n", cpu, phase, seconds);
	kernel_exit(false, "cpu stuck");
}

void watchdog_resend(unsigned index, uint64_t waited_ticks, const char *where)
{
	struct percpu *cpu = percpu_get(index);
	/* Not a WARN: a vCPU the host has not scheduled looks the same as a lost IPI. */
	kprintf("watchdog: cpu %u still asleep %llu us after its wake-up (%s): IPI sent again\n", index,
		(unsigned long long)tsc_ticks_to_us(waited_ticks), where);
	apic_send_fixed(cpu->apic_id, APIC_VECTOR_WAKE);
}

/* CPUs asleep on a word that has changed for WATCHDOG_RESEND_MS: their wake-up was lost. */
static void resend_lost(uint64_t now)
{
	uint64_t limit = tsc_us_to_ticks(WATCHDOG_RESEND_MS * 1000ull);
	for (unsigned i = 1; i < percpu_count(); i++) {
		struct percpu *cpu = percpu_get(i);
		uintptr_t word = atomic_load_explicit(&cpu->wait_word, memory_order_acquire);
		if (!word || atomic_load((const _Atomic unsigned *)word) == cpu->wait_old)
			continue;
		if (ready_wait[i] != cpu->wait_since) {
			ready_wait[i] = cpu->wait_since;
			ready_at[i] = now;
		} else if (now - ready_at[i] > limit) {
			watchdog_resend(i, now - ready_at[i], "wait");
			ready_at[i] = now;
		}
	}
}

void watchdog_bsp_sleep(uint64_t since)
{
	uint64_t now = tsc_begin();
	resend_lost(now);
	if (opt_watchdog && now - since > opt_watchdog * tsc_hz()) {
		int cpu = run_cores_stuck_cpu();
		if (cpu > 0)
			watchdog_stuck((unsigned)cpu, run_cores_phase_name(), (unsigned)opt_watchdog);
	}
	if (!have_tick) {
		sti(); /* no tick to end a HLT: poll */
		cpu_pause();
		cli();
		return;
	}
	apic_timer_oneshot_ms(WATCHDOG_TICK_MS);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}
