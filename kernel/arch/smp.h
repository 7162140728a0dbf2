/*
 * Starting the application processors (APs).
 * Intel SDM Vol. 3A, 9.4 (multiple-processor initialisation, INIT-SIPI-SIPI),
 * 11.6 (IPIs); ACPI 6.5, 5.2.12 (MADT, via kernel/firmware/madt.h).
 *
 * Order in kmain: ACPI/MADT -> APIC (BSP) -> TSC calibration -> LLFree over
 * RAM (stacks and per-CPU data come from it) -> smp_start_aps().
 */
#ifndef KERNEL_ARCH_SMP_H
#define KERNEL_ARCH_SMP_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/madt.h"

/* The mailbox at the end of boot/trampoline.asm; offsets documented there. */
struct trampoline_mailbox {
	uint32_t cr3;   /* physical, below 4 GiB */
	uint32_t cr4;
	uint32_t cr0;
	uint32_t efer;
	uint64_t stack;
	uint64_t entry;
	uint64_t gs;
};
_Static_assert(sizeof(struct trampoline_mailbox) == 40, "boot/trampoline.asm reserves 40 bytes");

struct smp_report {
	unsigned found;          /* enabled CPUs in the MADT */
	unsigned online;         /* the BSP plus every AP that reported in */
	unsigned failed_count;
	uint32_t failed[64];     /* APIC ids of the first CPUs that did not start */
	uint64_t start_us;       /* whole start-up, first INIT to last AP online */
	uint64_t max_ap_us;      /* slowest single AP, SIPI to online */
};

/*
 * Start every enabled AP of `madt` (cpus[0] is the BSP) through the
 * trampoline at `tramp_phys` (a free page below 1 MiB that is identity
 * mapped, memmap_low_page()), one at a time, each with a bounded wait; print
 * the `CPU found=N online=N failed=... start_us=N` line. CPUs that do not
 * start are sent INIT again (parked) and named. Never hangs.
 */
void smp_start_aps(const struct madt_info *madt, uint64_t tramp_phys, struct smp_report *out);

#endif
