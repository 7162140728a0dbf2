/*
 * kmain: the boot CPU's path from the long-mode entry (boot/entry.asm) to
 * the verdict. Each step is one line; the comment says what it needs.
 * Output format: shared/design/serial-log.md.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu.h"
#include "arch/gdt.h"
#include "arch/idt.h"
#include "arch/paging.h"
#include "arch/traps.h"
#include "cmdline.h"
#include "dev/fbcon.h"
#include "dev/uart.h"
#include "firmware/multiboot2.h"
#include "firmware/pvh.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "mm/memmap.h"
#include "verdict.h"

#ifndef KERNEL_VERSION
#define KERNEL_VERSION "unknown"
#endif

/* The boot tables map 0..4 GiB at DIRECT_MAP_BASE until paging_init. */
#define BOOT_DIRECT_MAP_END (4ull << 30)
/* Generous bound on the multiboot2 info (UEFI memory maps make it a few KiB). */
#define MB2_INFO_MAX (1u << 20)

extern char __kernel_phys_start[], __kernel_phys_end[];

static struct boot_info boot;
static struct memmap memmap;

static bool opt_pagefault;
KOPT_BOOL(opt_pagefault, "pagefault", "0",
	  "touch an unmapped address after boot (tests the trap report; the run fails)");

static const void *boot_map(uint64_t phys, uint64_t size)
{
	if (phys == 0 || phys + size > BOOT_DIRECT_MAP_END || phys + size < phys)
		return NULL;
	return phys_to_virt(phys);
}

/* Multiboot2 (GRUB on BIOS or UEFI) or PVH (qemu -kernel); firmware name out. */
static const char *read_boot_info(uint32_t magic, uint32_t info_phys)
{
	if (magic == BOOT_MAGIC_PVH) {
		const char *err = pvh_parse(info_phys, boot_map, &boot);
		if (err)
			panic("PVH boot information: %s", err);
		return "pvh";
	}
	const void *info = boot_map(info_phys, MB2_INFO_MAX);
	enum mb2_error err = mb2_parse(magic, info, info_phys, MB2_INFO_MAX, &boot);
	if (err != MB2_OK)
		panic("multiboot2 information (magic %#x at %#x): %s (tag type %u at offset %zu)", magic,
		      info_phys, mb2_strerror(err), boot.error_tag, boot.error_offset);
	return boot.efi ? "uefi" : "bios";
}

/* The kernel image, the boot information and the modules stay out of the allocator. */
static void build_memory_map(void)
{
	struct boot_range keep[2 + BOOT_MODULES_MAX];
	size_t n = 0;
	keep[n++] = (struct boot_range){ (uint64_t)__kernel_phys_start, (uint64_t)__kernel_phys_end };
	keep[n++] = boot.info;
	for (size_t i = 0; i < boot.module_count; i++)
		keep[n++] = boot.modules[i];

	memmap_print_firmware(boot.mmap, boot.mmap_count);
	enum memmap_error err = memmap_build(boot.mmap, boot.mmap_count, keep, n, &memmap);
	if (err != MEMMAP_OK)
		panic("memory map: %s", memmap_strerror(err));
	memmap_print(&memmap);
}

void kmain(uint32_t magic, uint32_t info_phys)
{
	/* 1. Serial console first, so that every later failure is reported. */
	uart_init();
	/* 2. GDT with this CPU's TSS, then the IDT: faults get a report from here on. */
	gdt_init();
	gdt_load_this_cpu(0);
	idt_init();
	idt_load_this_cpu();
	/* 3. Boot information into `boot` (reads it through the boot tables' 0..4 GiB map). */
	const char *firmware = read_boot_info(magic, info_phys);
	kprintf("\nBOOT firmware=%s loader=\"%s\" cmdline=\"%s\" version=%s\n", firmware, boot.loader,
		boot.cmdline, KERNEL_VERSION);
	if (!uart_present())
		kprintf("WARN msg=\"no serial port found: output goes to the framebuffer only\"\n");
	/* 4. Command line: every module's options (.kopts); help=1 lists them and stops. */
	if (!cmdline_parse(boot.cmdline))
		kernel_exit(false, "bad kernel command line");
	if (cmdline_help_requested()) {
		cmdline_print_help();
		kernel_exit(true, "help");
	}
	/* 5. Memory map: firmware entries sorted, overlaps resolved, our own ranges kept. */
	build_memory_map();
	/* 6. Direct map of all RAM, kernel image W^X; the boot tables and boot GDT are gone after this. */
	paging_init(&memmap);
	/* 7. Framebuffer console where GRUB set a linear mode (needs paging_map_mmio). */
	if (boot.fb.present)
		fbcon_init(&boot.fb);
	kprintf("MEM usable_bytes=%llu usable_mib=%llu top_usable=%llu ranges=%zu\n",
		(unsigned long long)memmap.usable_bytes, (unsigned long long)(memmap.usable_bytes >> 20),
		(unsigned long long)memmap.top_usable, memmap.count);
	/* 8. Trap-path self test, on request. */
	if (opt_pagefault) {
		trap_selftest_pagefault();
		panic("pagefault=1: reading an unmapped address did not fault");
	}

	/*
	 * ==== Later steps go here (SMP engineer takes over this file) ====
	 * 9.  ACPI: RSDP from boot.rsdp (multiboot2 tag 15/14, PVH rsdp_paddr),
	 *     MADT, FADT, HPET; map their MMIO with paging_map_mmio().
	 * 10. Timers: TSC calibration (before starting APs), then the ENV line.
	 * 11. APs: trampoline page from memmap_low_page(&memmap), CR3 from
	 *     paging_root_phys(); each AP calls gdt_load_this_cpu(index),
	 *     idt_load_this_cpu(); set panic_stop_others once APs run.
	 * 12. LLFree over the USABLE ranges of `memmap`; the MEM line with its keys.
	 * 13. Tests and benchmarks (TEST / RESULT lines).
	 */

	kernel_exit(true, "boot complete");
}
