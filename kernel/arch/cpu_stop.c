/* Stopping every other CPU on a panic (see cpu_stop.h). */
#include "arch/cpu_stop.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/idt.h"
#include "arch/percpu.h"
#include "arch/traps.h"
#include "arch/tsc.h"
#include "lib/panic.h"
#include "lib/printf.h"

/* How long a panicking CPU waits for the others to halt before it reports. */
#define STOP_TIMEOUT_US 100000ull

/* Set before the stop NMIs go out: an NMI without it is a real one. */
static _Atomic bool stopping;

/* NMI (vector 2): the stop of a panic elsewhere, which reaches even a CPU with interrupts off. */
static void nmi_handler(struct trap_frame *frame)
{
	if (!atomic_load(&stopping))
		trap_fatal(frame);
	atomic_store(&this_cpu()->state, CPU_STOPPED);
	cpu_halt_forever();
}

/* panic_stop_others: runs once, on the panicking CPU, interrupts off. */
static void stop_other_cpus(void)
{
	struct percpu *self = this_cpu();
	unsigned n = percpu_count(), sent = 0, stopped = 0;
	atomic_store(&stopping, true);
	for (unsigned i = 0; i < n; i++) {
		struct percpu *cpu = percpu_get(i);
		if (!cpu || cpu == self || atomic_load(&cpu->state) != CPU_ONLINE)
			continue;
		apic_send_nmi(cpu->apic_id);
		sent++;
	}
	/* Bounded: the report must come out even if a CPU ignores its NMI. */
	uint64_t deadline = tsc_begin() + tsc_us_to_ticks(STOP_TIMEOUT_US);
	do {
		stopped = 0;
		for (unsigned i = 0; i < n; i++)
			stopped += percpu_get(i) && atomic_load(&percpu_get(i)->state) == CPU_STOPPED;
	} while (stopped < sent && tsc_begin() < deadline);
	kprintf("WARN msg=\"panic on cpu %u (apic id %u); stopped %u of %u other CPUs\"\n", self->index,
		self->apic_id, stopped, sent);
}

void cpu_stop_init(void)
{
	idt_set_handler(IDT_VECTOR_NMI, nmi_handler);
	panic_stop_others = stop_other_cpus;
}
