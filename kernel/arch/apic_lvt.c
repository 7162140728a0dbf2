/*
 * Local vector table: everything the firmware may have armed is masked
 * before the first `sti`, pending leftovers are drained, and the armed_irqs
 * self-test that proves both (see apic.h).
 * Intel SDM Vol. 3A, 11.5.1 (LVT; the version register's Max LVT Entry says
 * which entries exist: performance counter from 4, thermal from 5, CMCI
 * from 6), 11.5.4 (timer), 11.8.4 (IRR/ISR), 11.8.5 (EOI); Vol. 3B, 16.5.1
 * (the CMCI entry exists where IA32_MCG_CAP.MCG_CMCI_P is set).
 * Linux masks the same entries (clear_local_APIC) and sets LINT1 to NMI on
 * the boot CPU only.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "arch/apic.h"
#include "arch/apic_regs.h"
#include "arch/cpu.h"
#include "arch/idt.h"
#include "arch/mce.h"
#include "cmdline.h"
#include "lib/printf.h"

#define MAX_LVT_PERF 4
#define MAX_LVT_THERMAL 5
#define MAX_LVT_CMCI 6

/* Before the TSC is calibrated: a bound in raw ticks, seconds on any CPU that runs this kernel. */
#define ARM_WAIT_TICKS 10000000000ull
#define ARM_TIMER_COUNT 0x10000u
/* Instructions with interrupts on while draining: each pending vector is taken at the first boundary. */
#define DRAIN_SPINS 1000
#define DRAIN_MAX 16

static bool opt_armed_irqs;
KOPT_BOOL(opt_armed_irqs, "armed_irqs", "0",
	  "self-test: arm the LAPIC timer and I/O APIC pin 2 before they are masked, as firmware may; "
	  "the run must still pass");

bool apic_selftest_armed_irqs(void)
{
	return opt_armed_irqs;
}

static unsigned max_lvt(void)
{
	return (apic_read(APIC_VERSION) >> APIC_VERSION_MAX_LVT_SHIFT) & 0xFF;
}

void apic_lvt_init_this_cpu(bool bsp)
{
	unsigned max = max_lvt();
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	apic_write(APIC_TIMER_INITIAL, 0); /* stops a running count (11.5.4) */
	apic_write(APIC_LVT_LINT0, LVT_MASKED);
	apic_write(APIC_LVT_LINT1, LVT_MASKED);
	apic_write(APIC_LVT_ERROR, LVT_MASKED);
	if (max >= MAX_LVT_PERF)
		apic_write(APIC_LVT_PERF, LVT_MASKED);
	if (max >= MAX_LVT_THERMAL)
		apic_write(APIC_LVT_THERMAL, LVT_MASKED);
	if (max >= MAX_LVT_CMCI && mce_has_cmci())
		apic_write(APIC_LVT_CMCI, LVT_MASKED);
	/* What the kernel uses: an NMI from the chipset (LINT1) reaches the boot CPU and is reported. */
	if (bsp)
		apic_write(APIC_LVT_LINT1, LVT_DELIVERY_NMI);
}

/* Bounded wait until `vector` is pending in this APIC's IRR. */
bool apic_selftest_wait_pending(unsigned vector)
{
	uint64_t t0 = rdtsc();
	while (!apic_vector_bit(APIC_IRR, vector)) {
		if (rdtsc() - t0 > ARM_WAIT_TICKS)
			return false;
		cpu_pause();
	}
	return true;
}

void apic_lvt_selftest_arm(void)
{
	if (!opt_armed_irqs)
		return;
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_VECTOR_SPURIOUS);
	apic_write(APIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	apic_write(APIC_LVT_TIMER, LVT_TIMER_PERIODIC | APIC_VECTOR_SELFTEST_TIMER);
	apic_write(APIC_TIMER_INITIAL, ARM_TIMER_COUNT);
	bool pending = apic_selftest_wait_pending(APIC_VECTOR_SELFTEST_TIMER);
	kprintf("armed_irqs: LAPIC timer armed, periodic, vector 0x%x: %s\n", APIC_VECTOR_SELFTEST_TIMER,
		pending ? "pending" : "never became pending");
}

static struct {
	_Atomic unsigned count;
	uint8_t vectors[DRAIN_MAX];
} drained;

static void drain_handler(struct trap_frame *frame)
{
	unsigned n = atomic_fetch_add(&drained.count, 1);
	if (n < DRAIN_MAX)
		drained.vectors[n] = (uint8_t)frame->vector;
	apic_eoi();
}

/* 11.8.4: an in-service bit the firmware never acknowledged blocks every vector of its class and below. */
static unsigned eoi_in_service(void)
{
	unsigned n = 0;
	for (unsigned v = IDT_FIRST_FREE_VECTOR; v < IDT_VECTORS; v++) {
		if (apic_vector_bit(APIC_ISR, v)) {
			apic_eoi(); /* acknowledges the highest in-service vector */
			n++;
		}
	}
	return n;
}

void apic_drain_pending(void)
{
	unsigned in_service = eoi_in_service();
	idt_set_default_handler(drain_handler);
	sti();
	for (int i = 0; i < DRAIN_SPINS; i++)
		cpu_pause();
	cli();
	idt_set_default_handler(NULL);
	unsigned n = atomic_load(&drained.count);
	if (n == 0 && in_service == 0)
		return;
	char list[DRAIN_MAX * 6 + 1] = "";
	size_t len = 0;
	for (unsigned i = 0; i < n && i < DRAIN_MAX; i++)
		len += (size_t)ksnprintf(list + len, sizeof(list) - len, "%s0x%x", i ? "," : "", drained.vectors[i]);
	kprintf("WARN msg=\"interrupts the firmware left behind: %u pending taken and dropped, %u in service "
		"acknowledged\" vectors=%s\n",
		n, in_service, n ? list : "none");
}
