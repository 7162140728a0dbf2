/*
 * Machine checks: enabled on every CPU, the banks reported and cleared at
 * boot, a #MC handler that reports and ends the run, and a poll of the banks
 * for corrected errors. Intel SDM Vol. 3B (2023+ numbering; older editions
 * number these chapters 15 and 16): chapter 16 "Machine-Check Architecture",
 * 16.3 (registers), 16.8 (initialization), 16.10 (handler guidelines);
 * chapter 17 (error codes). AMD64 APM Vol. 2, 9.3 uses the same MSRs.
 *
 * With CR4.MCE clear a machine check shuts the processor down: boot/entry.asm
 * and the AP trampoline set it before anything else can go wrong, and
 * mce_init_this_cpu() enables the banks (IA32_MCG_CTL, IA32_MCi_CTL). CPUs
 * that are never started keep CR4.MCE clear (docs/hardware.md).
 */
#ifndef KERNEL_ARCH_MCE_H
#define KERNEL_ARCH_MCE_H

#include <stdbool.h>

/*
 * BSP, once, after the IDT and the per-CPU data: reads IA32_MCG_CAP, prints
 * the machine-check capabilities, installs the #MC handler and runs
 * mce_init_this_cpu() on the BSP.
 */
void mce_init_bsp(void);
/*
 * Every CPU (the BSP through mce_init_bsp, each AP in its entry): enable
 * every bank, report errors logged before this boot as WARN and clear them,
 * clear MCIP, set CR4.MCE.
 */
void mce_init_this_cpu(void);
/* Error-reporting banks (IA32_MCG_CAP.Count); 0 without MCA. */
unsigned mce_banks(void);
/* IA32_MCG_CAP.MCG_CMCI_P: the local APIC has a CMCI LVT entry (after mce_init_bsp). */
bool mce_has_cmci(void);
/*
 * Every online CPU reads its banks (BSP only, no job running). Corrected
 * errors: one WARN per bank with the count. Returns false (ERROR printed)
 * if a bank holds an uncorrected error that raised no #MC.
 */
bool mce_poll(unsigned cores);

#endif
