/*
 * I/O APIC masking (see ioapic.h): 82093AA datasheet, 3.2.1-3.2.4.
 * Linux (clear_IO_APIC), seL4 (ioapic_init) and memtest86+ (which never
 * enables interrupts) all start from every pin masked.
 */
#include "arch/ioapic.h"

#include <stdint.h>

#include "arch/apic.h"
#include "arch/paging.h"
#include "lib/printf.h"

#define IOREGSEL 0x00 /* byte offsets in the register window */
#define IOWIN 0x10
#define IOAPICVER 0x01
#define IOREDTBL(n) (0x10u + 2u * (n)) /* low dword; the high dword follows */
#define IOAPICVER_MAX_REDIR_SHIFT 16
#define REDIR_MASKED (1u << 16)
#define REDIR_DEST_SHIFT 24 /* in the high dword: physical destination APIC id */
/* ISA IRQ 0 (the PIT) arrives at GSI 2 on QEMU's pc and q35 boards (MADT source override). */
#define SELFTEST_PIN 2

struct ioapic {
	volatile uint32_t *regs;
};

static uint32_t ioapic_read(struct ioapic *io, uint32_t index)
{
	io->regs[IOREGSEL / 4] = index;
	return io->regs[IOWIN / 4];
}

static void ioapic_write(struct ioapic *io, uint32_t index, uint32_t value)
{
	io->regs[IOREGSEL / 4] = index;
	io->regs[IOWIN / 4] = value;
}

/* Pin 2 to the BSP, unmasked, edge, fixed: as a BIOS that used the I/O APIC might leave it. */
static void selftest_arm(struct ioapic *io)
{
	ioapic_write(io, IOREDTBL(SELFTEST_PIN) + 1, apic_id() << REDIR_DEST_SHIFT);
	ioapic_write(io, IOREDTBL(SELFTEST_PIN), APIC_VECTOR_SELFTEST_IOAPIC);
	bool pending = apic_selftest_wait_pending(APIC_VECTOR_SELFTEST_IOAPIC);
	kprintf("armed_irqs: I/O APIC pin %u armed, vector 0x%x: %s\n", SELFTEST_PIN, APIC_VECTOR_SELFTEST_IOAPIC,
		pending ? "pending" : "never became pending (no PIT ticking?)");
}

static unsigned mask_pins(struct ioapic *io)
{
	unsigned pins = ((ioapic_read(io, IOAPICVER) >> IOAPICVER_MAX_REDIR_SHIFT) & 0xFF) + 1;
	for (unsigned n = 0; n < pins; n++) {
		ioapic_write(io, IOREDTBL(n), REDIR_MASKED); /* whole value: masked first, then the rest */
		ioapic_write(io, IOREDTBL(n) + 1, 0);
	}
	return pins;
}

void ioapic_mask_all(const struct madt_info *madt)
{
	for (size_t i = 0; i < madt->ioapic_count; i++) {
		const struct madt_ioapic *m = &madt->ioapics[i];
		struct ioapic io = { paging_map_mmio(m->address, PAGE_SIZE) };
		if (i == 0 && apic_selftest_armed_irqs())
			selftest_arm(&io);
		unsigned pins = mask_pins(&io);
		kprintf("ioapic: id %u at 0x%x, GSI %u..%u: %u pins masked\n", m->id, m->address, m->gsi_base,
			m->gsi_base + pins - 1, pins);
	}
	if (madt->dropped_ioapics)
		kprintf("WARN msg=\"%zu I/O APICs beyond the first %u left as the firmware set them\"\n",
			madt->dropped_ioapics, MADT_IOAPICS_MAX);
}
