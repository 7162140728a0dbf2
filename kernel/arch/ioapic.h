/*
 * I/O APICs: every redirection entry masked before interrupts are first
 * enabled. The kernel uses no device interrupt; whatever the firmware left
 * routed (the PIT, a USB controller's legacy emulation, SCI) must not reach
 * a CPU as an "unexpected interrupt".
 * Intel 82093AA I/O APIC datasheet (290566-001), 3.0 (IOREGSEL at +0x00,
 * IOWIN at +0x10; IOAPICVER index 1, bits 23:16 maximum redirection entry;
 * IOREDTBL at index 0x10 + 2n, bit 16 mask); ACPI 6.5, 5.2.12.3 (the MADT's
 * I/O APIC structures).
 */
#ifndef KERNEL_ARCH_IOAPIC_H
#define KERNEL_ARCH_IOAPIC_H

#include "firmware/madt.h"

/*
 * BSP, after the local APIC, before the first `sti` and before APs start
 * (maps the registers uncached). Masks every pin of every I/O APIC the MADT
 * lists; armed_irqs=1 first routes pin 2 (the PIT on QEMU's boards) to the
 * BSP and waits until it is pending.
 */
void ioapic_mask_all(const struct madt_info *madt);

#endif
