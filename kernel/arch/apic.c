/*
 * Local APIC: mode choice, enable, IPIs.
 * Intel SDM Vol. 3A: 11.4.4 IA32_APIC_BASE, 11.4.6 local APIC ID,
 * 11.5.3 Error Status Register, 11.6.1 Interrupt Command Register,
 * 11.9 Spurious-Interrupt Vector Register, 11.12.1-11.12.5 x2APIC mode.
 */
#include "arch/apic.h"

#include "arch/apic_regs.h"
#include "arch/cpu.h"
#include "arch/paging.h"
#include "cmdline.h"
#include "lib/printf.h"

#define MSR_IA32_APIC_BASE 0x1Bu
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_EXTD (1ull << 10) /* x2APIC mode */
#define APIC_BASE_EN (1ull << 11)   /* APIC global enable */
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull

#define CPUID_1_ECX_X2APIC (1u << 21)

/* x2APIC MSR = 0x800 + offset / 16 (11.12.1.2); offsets in apic_regs.h. */
#define X2APIC_MSR_BASE 0x800u
#define X2APIC_MSR_ICR 0x830u /* one 64-bit register in x2APIC mode */

/* ICR fields (11.6.1). */
#define ICR_DELIVERY_FIXED (0u << 8)
#define ICR_DELIVERY_NMI (4u << 8)
#define ICR_DELIVERY_INIT (5u << 8)
#define ICR_DELIVERY_STARTUP (6u << 8)
#define ICR_DELIVERY_PENDING (1u << 12) /* xAPIC only */
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_XAPIC_DEST_SHIFT 24         /* in ICR_HIGH */
#define ICR_X2APIC_DEST_SHIFT 32

/* Bound on waiting for the xAPIC delivery status (iterations of pause). */
#define ICR_PENDING_SPINS 1000000u

static enum apic_mode mode;

/* apic=x2apic: use x2APIC even where xAPIC would do (tests the x2APIC path under KVM). */
static const char *const apic_option_names[] = { "auto", "x2apic", NULL };
static unsigned opt_apic;
KOPT_ENUM(opt_apic, "apic", apic_option_names, "auto",
	  "local APIC mode: auto (x2APIC only when the firmware chose it or an id needs it) or x2apic");
static volatile uint32_t *xapic;

uint32_t apic_read(uint32_t reg)
{
	if (mode == APIC_MODE_X2APIC)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16);
	return xapic[reg / 4];
}

void apic_write(uint32_t reg, uint32_t value)
{
	if (mode == APIC_MODE_X2APIC)
		wrmsr(X2APIC_MSR_BASE + reg / 16, value);
	else
		xapic[reg / 4] = value;
}

static bool cpu_has_x2apic(void)
{
	return (cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC) != 0;
}

/* Globally enable this CPU's APIC in the chosen mode (IA32_APIC_BASE). */
static void apic_global_enable(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	if (mode == APIC_MODE_X2APIC) {
		/* 11.12.5: xAPIC (EN=1, EXTD=0) -> x2APIC (EN=1, EXTD=1) is a legal step. */
		if ((base & (APIC_BASE_EN | APIC_BASE_EXTD)) != (APIC_BASE_EN | APIC_BASE_EXTD)) {
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
		}
	} else if (!(base & APIC_BASE_EN)) {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
	}
}

/* Every LVT entry masked first (firmware may have armed some), then software-enable, every priority. */
static void apic_enable_this_cpu(bool bsp)
{
	apic_lvt_init_this_cpu(bsp);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | APIC_VECTOR_SPURIOUS);
}

/* Legacy 8259 PICs: masked, so that nothing reaches the BSP through LINT0 (ExtINT). */
#define PIC1_DATA 0x21
#define PIC2_DATA 0xA1

bool apic_init_bsp(uint64_t madt_apic_phys, bool need_x2apic)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	bool firmware_x2apic = (base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
	bool ok = true;

	need_x2apic |= opt_apic == 1;
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
	if (firmware_x2apic || (need_x2apic && cpu_has_x2apic())) {
		mode = APIC_MODE_X2APIC;
	} else {
		if (need_x2apic) {
			kprintf("WARN msg=\"APIC ids above 254 need x2APIC, which this CPU lacks\"\n");
			ok = false; /* the BSP still runs, in xAPIC mode */
		}
		uint64_t phys = base & APIC_BASE_ADDR_MASK;
		if (madt_apic_phys && madt_apic_phys != phys)
			kprintf("WARN msg=\"MADT says LAPIC at 0x%llx, IA32_APIC_BASE says 0x%llx; using the MSR\"\n",
				(unsigned long long)madt_apic_phys, (unsigned long long)phys);
		xapic = (volatile uint32_t *)paging_map_mmio(phys, 4096);
		mode = APIC_MODE_XAPIC;
	}
	apic_global_enable();
	apic_lvt_selftest_arm(); /* armed_irqs=1 only */
	apic_enable_this_cpu(true);
	return ok;
}

void apic_init_ap(void)
{
	apic_global_enable();
	apic_enable_this_cpu(false);
}

uint32_t apic_id_from_cpuid(void)
{
	/* SDM Vol. 2A CPUID: leaf 0BH EDX is the x2APIC id when the leaf exists (EBX != 0). */
	if (cpuid(0, 0).eax >= 0xB) {
		struct cpuid_regs r = cpuid(0xB, 0);
		if (r.ebx != 0)
			return r.edx;
	}
	return cpuid(1, 0).ebx >> 24;
}

enum apic_mode apic_mode(void)
{
	return mode;
}

const char *apic_mode_name(void)
{
	return mode == APIC_MODE_X2APIC ? "x2apic" : "xapic";
}

uint32_t apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);
	/* 11.4.6: xAPIC keeps the id in bits 31:24; x2APIC uses all 32 bits. */
	return mode == APIC_MODE_X2APIC ? id : id >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

/* 11.5.3: a write arms the ESR, the following read returns the errors since. */
static uint32_t apic_esr(void)
{
	apic_write(APIC_ESR, 0);
	return apic_read(APIC_ESR);
}

static uint32_t apic_send(uint32_t dest, uint32_t icr_low)
{
	bool irq_on = interrupts_enabled();
	uint32_t result = 0;

	cli();

	apic_esr(); /* clear errors left from earlier */
	if (mode == APIC_MODE_X2APIC) {
		/* 11.12.9: one 64-bit write, no delivery status to poll. 11.12.3: a
		 * WRMSR to an x2APIC register is not serializing and may pass earlier
		 * stores; MFENCE;LFENCE first, so that what the IPI announces (a job
		 * ticket, a barrier phase) is visible before it arrives. */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(X2APIC_MSR_ICR, ((uint64_t)dest << ICR_X2APIC_DEST_SHIFT) | icr_low);
	} else {
		/* ICR_HIGH first: writing ICR_LOW sends. Interrupts are off so a
		 * handler on this CPU cannot send in between. */
		apic_write(APIC_ICR_HIGH, dest << ICR_XAPIC_DEST_SHIFT);
		apic_write(APIC_ICR_LOW, icr_low);
		uint32_t spins = 0;
		while (apic_read(APIC_ICR_LOW) & ICR_DELIVERY_PENDING) {
			if (++spins == ICR_PENDING_SPINS) {
				result = APIC_SEND_TIMEOUT;
				break;
			}
			cpu_pause();
		}
	}
	result |= apic_esr();
	if (irq_on)
		sti();
	return result;
}

uint32_t apic_send_init(uint32_t dest)
{
	return apic_send(dest, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);
}

uint32_t apic_send_startup(uint32_t dest, uint8_t page_vector)
{
	return apic_send(dest, ICR_DELIVERY_STARTUP | ICR_LEVEL_ASSERT | page_vector);
}

uint32_t apic_send_fixed(uint32_t dest, uint8_t vector)
{
	return apic_send(dest, ICR_DELIVERY_FIXED | ICR_LEVEL_ASSERT | vector);
}

uint32_t apic_send_nmi(uint32_t dest)
{
	return apic_send(dest, ICR_DELIVERY_NMI | ICR_LEVEL_ASSERT);
}
