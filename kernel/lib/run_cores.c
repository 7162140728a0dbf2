/*
 * run_cores: jobs for all CPUs, the idle loop of APs, and stopping every
 * other CPU when one panics (see run_cores.h).
 *
 * Lost wake-ups are impossible: an AP checks for work with interrupts off
 * and then runs `sti; hlt`; STI delays interrupts by one instruction
 * (Intel SDM Vol. 2B, STI), so a wake IPI that arrives after the check ends
 * the HLT instead of being taken before it.
 */
#include "lib/run_cores.h"

#include <stdint.h>

#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/idt.h"
#include "arch/tsc.h"
#include "lib/panic.h"
#include "lib/printf.h"

/* ticket = generation << TICKET_GEN_SHIFT | cores */
#define TICKET_GEN_SHIFT 16
#define TICKET_CORES_MASK 0xFFFFu
/* An AP that does not check in within this time is reported and the run fails. */
#define CHECKIN_TIMEOUT_US 10000000ull

static struct {
	core_fn fn;
	void *arg;
	_Atomic uint64_t ticket;
	_Atomic unsigned checked_in;
	_Atomic unsigned finished;
	_Atomic uint64_t go;      /* generation allowed to start */
} job;

static uint64_t generation;

static void wake_handler(struct trap_frame *frame)
{
	(void)frame;
	apic_eoi();
}

static void stop_handler(struct trap_frame *frame)
{
	(void)frame;
	atomic_store(&this_cpu()->state, CPU_STOPPED);
	cpu_halt_forever();
}

/* panic_stop_others: runs once, on the panicking CPU, interrupts off. */
static void stop_other_cpus(void)
{
	struct percpu *self = this_cpu();
	unsigned n = percpu_count(), stopped = 0;
	for (unsigned i = 0; i < n; i++) {
		struct percpu *cpu = percpu_get(i);
		if (!cpu || cpu == self || atomic_load(&cpu->state) != CPU_ONLINE)
			continue;
		apic_send_fixed(cpu->apic_id, APIC_VECTOR_STOP);
		stopped++;
	}
	kprintf("WARN msg=\"panic on cpu %u (apic id %u); stopping %u other CPUs\"\n", self->index,
		self->apic_id, stopped);
}

void run_cores_init(void)
{
	idt_set_handler(APIC_VECTOR_WAKE, wake_handler);
	idt_set_handler(APIC_VECTOR_STOP, stop_handler);
	panic_stop_others = stop_other_cpus;
}

static void run_job(unsigned core, uint64_t gen)
{
	atomic_fetch_add_explicit(&job.checked_in, 1, memory_order_acq_rel);
	while (atomic_load_explicit(&job.go, memory_order_acquire) != gen)
		cpu_pause();
	job.fn(core, job.arg);
	atomic_fetch_add_explicit(&job.finished, 1, memory_order_release);
}

void run_cores_ap_loop(struct percpu *cpu)
{
	uint64_t seen = 0;
	for (;;) {
		cli();
		uint64_t ticket = atomic_load_explicit(&job.ticket, memory_order_acquire);
		uint64_t gen = ticket >> TICKET_GEN_SHIFT;
		if (gen == seen || cpu->index >= (ticket & TICKET_CORES_MASK)) {
			seen = gen;
			__asm__ volatile("sti; hlt" ::: "memory");
			continue;
		}
		seen = gen;
		sti(); /* the stop IPI must reach a working core */
		run_job(cpu->index, gen);
	}
}

static void wait_count(_Atomic unsigned *count, unsigned want, uint64_t timeout_us, const char *what)
{
	uint64_t deadline = timeout_us ? tsc_begin() + tsc_us_to_ticks(timeout_us) : 0;
	while (atomic_load_explicit(count, memory_order_acquire) != want) {
		if (deadline && tsc_begin() > deadline)
			panic("run_cores: only %u of %u cores %s", atomic_load(count), want, what);
		cpu_pause();
	}
}

void run_cores(unsigned cores, core_fn fn, void *arg)
{
	unsigned online = percpu_count();
	if (cores == 0 || cores > online) {
		kprintf("WARN msg=\"run_cores: %u cores asked, %u online\"\n", cores, online);
		cores = cores == 0 ? 1 : online;
	}
	generation++;
	job.fn = fn;
	job.arg = arg;
	atomic_store(&job.checked_in, 0);
	atomic_store(&job.finished, 0);
	atomic_store_explicit(&job.ticket, generation << TICKET_GEN_SHIFT | cores, memory_order_release);
	for (unsigned i = 1; i < cores; i++)
		apic_send_fixed(percpu_get(i)->apic_id, APIC_VECTOR_WAKE);

	wait_count(&job.checked_in, cores - 1, CHECKIN_TIMEOUT_US, "checked in");
	atomic_store_explicit(&job.go, generation, memory_order_release);
	fn(0, arg);
	wait_count(&job.finished, cores - 1, 0, "finished");
}
