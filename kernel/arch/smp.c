/*
 * AP start-up: trampoline placement, INIT-SIPI-SIPI with the SDM's delays,
 * a bounded wait per AP, and the C entry of every AP.
 * Intel SDM Vol. 3A (2023+ numbering), 9.4.4.1 (typical BSP initialisation
 * sequence: INIT, 10 ms, SIPI, 200 us, SIPI, 200 us), 11.6.1 (ICR), 11.5.3
 * (ESR). Deviations, both harmless by the SDM's own rules: every AP gets its
 * INIT first and all share one 10 ms wait; the second SIPI is skipped when
 * the AP has already reported in (a running AP ignores SIPIs anyway).
 */
#include "arch/smp.h"

#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/gdt.h"
#include "arch/idt.h"
#include "arch/mce.h"
#include "arch/paging.h"
#include "arch/pat.h"
#include "arch/percpu.h"
#include "arch/stacks.h"
#include "arch/tsc.h"
#include "lib/printf.h"
#include "lib/run_cores.h"
#include "lib/string.h"

/* A SIPI vector reaches pages below 1 MiB (vector = page number, 8 bits). */
#define TRAMPOLINE_LIMIT 0x100000ull

/* SDM 9.4.4.1 delays. */
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
/* A started AP reaches C in microseconds on hardware, milliseconds under TCG. */
#define AP_ONLINE_TIMEOUT_US 1000000ull


/* CR4 bits the trampoline sets before paging (SDM 2.5); the rest, such as
 * PCIDE (needs long mode) or CET (needs CR0.WP), the AP's C entry sets.
 * MCE from the first instruction on: a machine check on a CPU with CR4.MCE
 * clear shuts the whole machine down (SDM Vol. 3A, 9.7.5; docs/hardware.md). */
#define CR4_BEFORE_PAGING (CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_LA57)

extern const char trampoline_start[], trampoline_end[], trampoline_mailbox[];

static uint64_t bsp_cr4;

/* C entry of every AP, on its own stack, GS = its struct percpu. */
static __attribute__((noreturn)) void ap_entry(struct percpu *cpu)
{
	gdt_load_this_cpu(cpu->index);
	percpu_load(cpu); /* reloading the segment registers cleared the GS base */
	idt_load_this_cpu();
	pat_init_this_cpu(); /* the BSP's memory types before any WC mapping is touched (arch/pat.h) */
	if (read_cr4() != bsp_cr4)
		write_cr4(bsp_cr4); /* the bits the trampoline left out */
	apic_init_ap();
	mce_init_this_cpu();
	cpu->online_tsc = rdtsc();
	atomic_store_explicit(&cpu->state, CPU_ONLINE, memory_order_release);
	run_cores_ap_loop(cpu);
}

static void fill_mailbox(struct trampoline_mailbox *mb, struct percpu *cpu)
{
	mb->cr3 = (uint32_t)paging_root_phys();
	mb->cr4 = (uint32_t)(bsp_cr4 & CR4_BEFORE_PAGING);
	mb->cr0 = (uint32_t)read_cr0();
	mb->efer = (uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE | EFER_SCE));
	mb->stack = cpu->stack_top;
	mb->entry = (uint64_t)(uintptr_t)ap_entry;
	mb->gs = (uint64_t)(uintptr_t)cpu;
	atomic_thread_fence(memory_order_release);
}

static bool wait_online(struct percpu *cpu, uint64_t us)
{
	uint64_t deadline = tsc_begin() + tsc_us_to_ticks(us);
	do {
		if (atomic_load_explicit(&cpu->state, memory_order_acquire) == CPU_ONLINE)
			return true;
		cpu_pause();
	} while (tsc_begin() < deadline);
	return atomic_load_explicit(&cpu->state, memory_order_acquire) == CPU_ONLINE;
}

/* Its per-CPU entry and a stack above a guard (arch/stacks.h). */
static struct percpu *alloc_ap(unsigned index, uint32_t apic)
{
	struct ap_stack stack;
	if (!stack_alloc(index, &stack))
		return NULL;
	struct percpu *cpu = percpu_prepare(index);
	cpu->apic_id = apic;
	cpu->stack_phys = stack.phys;
	cpu->stack_top = stack.top;
	return cpu;
}

/* SIPI, 200 us, a second SIPI if the AP has not shown up, then the bounded wait. */
static bool start_one(struct percpu *cpu, struct trampoline_mailbox *mb, uint8_t vector)
{
	fill_mailbox(mb, cpu);
	atomic_store(&cpu->state, CPU_STARTING);
	cpu->started_tsc = rdtsc();
	for (int sipi = 0; sipi < 2; sipi++) {
		uint32_t esr = apic_send_startup(cpu->apic_id, vector);
		if (esr)
			kprintf("WARN msg=\"SIPI to apic id %u: ESR 0x%x\"\n", cpu->apic_id, esr);
		if (wait_online(cpu, SIPI_DELAY_US))
			return true;
	}
	return wait_online(cpu, AP_ONLINE_TIMEOUT_US);
}

static void report_failed(struct smp_report *out, uint32_t apic)
{
	if (out->failed_count < sizeof(out->failed) / sizeof(out->failed[0]))
		out->failed[out->failed_count] = apic;
	out->failed_count++;
}

static void print_report(const struct smp_report *r)
{
	char failed[256] = "none";
	size_t len = 0;
	unsigned listed = r->failed_count < 64 ? r->failed_count : 64;
	for (unsigned i = 0; i < listed && len + 12 < sizeof(failed); i++)
		len += (size_t)ksnprintf(failed + len, sizeof(failed) - len, "%s%u", i ? "," : "", r->failed[i]);
	kprintf("CPU found=%u online=%u failed=%s start_us=%llu max_ap_us=%llu\n", r->found, r->online, failed,
		(unsigned long long)r->start_us, (unsigned long long)r->max_ap_us);
}

/* Check what the trampoline depends on; false (with the reason) runs the BSP alone. */
static bool can_start(const struct madt_info *madt, uint64_t tramp_phys)
{
	size_t size = (size_t)(trampoline_end - trampoline_start);
	if (tramp_phys == 0 || tramp_phys + size > TRAMPOLINE_LIMIT) {
		kprintf("WARN msg=\"no free page below 1 MiB for the AP trampoline: BSP only\"\n");
		return false;
	}
	if (paging_root_phys() >= (1ull << 32)) {
		kprintf("WARN msg=\"page table above 4 GiB, unreachable from real mode: BSP only\"\n");
		return false;
	}
	for (size_t i = 1; i < madt->cpu_count; i++) {
		if (apic_mode() == APIC_MODE_XAPIC && madt->cpus[i].apic_id >= MADT_XAPIC_ID_BROADCAST) {
			kprintf("WARN msg=\"apic id %u needs x2APIC: BSP only\"\n", madt->cpus[i].apic_id);
			return false;
		}
	}
	return true;
}

/*
 * A CPU that never ran this kernel sits in wait-for-SIPI with CR4.MCE clear;
 * a machine check broadcast to it shuts the whole machine down (SDM Vol. 3A,
 * 9.7.5; Linux boots every CPU once for this reason). Say so.
 */
static void warn_mce_not_started(const struct madt_info *madt, const struct smp_report *r)
{
	size_t idle = r->failed_count + madt->dropped_cpus;
	if (idle)
		kprintf("WARN msg=\"%zu CPUs not started keep machine checks disabled: an error broadcast to them "
			"resets the machine without a report\"\n",
			idle);
}

void smp_start_aps(const struct madt_info *madt, uint64_t tramp_phys, struct smp_report *out)
{
	memset(out, 0, sizeof(*out));
	out->found = (unsigned)madt->cpu_count;
	out->online = 1;
	this_cpu()->apic_id = apic_id();
	bsp_cr4 = read_cr4();
	if (madt->cpu_count <= 1 || !can_start(madt, tramp_phys)) {
		for (size_t i = 1; i < madt->cpu_count; i++)
			report_failed(out, madt->cpus[i].apic_id);
		print_report(out);
		warn_mce_not_started(madt, out);
		return;
	}

	size_t size = (size_t)(trampoline_end - trampoline_start);
	uint8_t *page = phys_to_virt(tramp_phys);
	memcpy(page, trampoline_start, size);
	struct trampoline_mailbox *mb = (void *)(page + (trampoline_mailbox - trampoline_start));
	uint8_t vector = (uint8_t)(tramp_phys >> 12);

	uint64_t t0 = tsc_begin();
	/* INIT every AP first, then one 10 ms wait for all (SDM 9.4.4.1). */
	for (size_t i = 1; i < madt->cpu_count; i++) {
		uint32_t esr = apic_send_init(madt->cpus[i].apic_id);
		if (esr)
			kprintf("WARN msg=\"INIT to apic id %u: ESR 0x%x\"\n", madt->cpus[i].apic_id, esr);
	}
	tsc_delay_us(INIT_DELAY_US);

	unsigned next = 1;
	for (size_t i = 1; i < madt->cpu_count && next < CPU_MAX; i++) {
		uint32_t apic = madt->cpus[i].apic_id;
		struct percpu *cpu = alloc_ap(next, apic);
		if (!cpu) {
			kprintf("WARN msg=\"no memory for cpu %u's stack\"\n", next);
			report_failed(out, apic);
			continue;
		}
		if (!start_one(cpu, mb, vector)) {
			/* Park it: a late start must not find the next AP's mailbox. */
			apic_send_init(apic);
			stack_free(cpu->index, &(struct ap_stack){ cpu->stack_phys, cpu->stack_top });
			report_failed(out, apic);
			continue;
		}
		uint64_t us = tsc_ticks_to_us(cpu->online_tsc - cpu->started_tsc);
		if (us > out->max_ap_us)
			out->max_ap_us = us;
		percpu_register(cpu);
		next++;
	}
	for (size_t i = next + out->failed_count; i < madt->cpu_count; i++)
		report_failed(out, madt->cpus[i].apic_id); /* beyond CPU_MAX */
	out->online = next;
	out->start_us = tsc_ticks_to_us(tsc_end() - t0);
	print_report(out);
	warn_mce_not_started(madt, out);
}
