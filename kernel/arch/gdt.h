/*
 * Global descriptor table and per-CPU task-state segments.
 * Intel SDM Vol. 3A, 3.4.5 (segment descriptors), 7.2.3 (64-bit TSS descriptor),
 * 7.7 (64-bit TSS), 6.14.5 (interrupt stack table).
 *
 * One GDT for all CPUs: null, kernel code, kernel data, then one TSS
 * descriptor per CPU index (0 .. CPU_MAX-1). Each TSS gives its CPU two
 * interrupt stacks: IST1 for double faults, so a kernel stack overflow still
 * produces a report instead of a triple fault, and IST2 for machine checks,
 * which may arrive on any instruction, a stack switch included (SDM Vol. 3B,
 * 16.10: the #MC handler should run on a known-good stack).
 */
#ifndef KERNEL_ARCH_GDT_H
#define KERNEL_ARCH_GDT_H

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS_FIRST 0x18 /* CPU i: GDT_TSS_FIRST + 16 * i */

#define IST_DOUBLE_FAULT 1
#define IST_MACHINE_CHECK 2

#ifndef __ASSEMBLER__
/* Fill the table and every TSS; once, on the boot CPU, before any load. */
void gdt_init(void);
/*
 * On each CPU (the BSP after gdt_init, every AP early in its startup):
 * load the GDT, reload CS/DS/ES/SS, load null FS/GS (which may clear their
 * bases: write the GS base after this call) and load the TSS of dense CPU
 * index `cpu` (< CPU_MAX).
 */
void gdt_load_this_cpu(unsigned cpu);
#endif

#endif
