/*
 * kmain: the boot CPU's path from the long-mode entry (boot/entry.asm) to
 * the verdict. Each step is one line; the comment says what it needs.
 * Output format: shared/design/serial-log.md.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/apic.h"
#include "arch/cpu_stop.h"
#include "arch/cpu.h"
#include "arch/gdt.h"
#include "arch/idt.h"
#include "arch/ioapic.h"
#include "arch/mce.h"
#include "arch/paging.h"
#include "arch/pat.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "arch/stacks.h"
#include "arch/traps.h"
#include "arch/tsc.h"
#include "cmdline.h"
#include "console.h"
#include "dev/fbcon.h"
#include "dev/hpet.h"
#include "dev/pmtimer.h"
#include "dev/reset.h"
#include "dev/rtc.h"
#include "firmware/acpi.h"
#include "firmware/fadt.h"
#include "firmware/hpet.h"
#include "firmware/madt.h"
#include "firmware/multiboot2.h"
#include "firmware/pvh.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/run_cores.h"
#include "lib/watchdog.h"
#include "lib/string.h"
#include "mm/frames.h"
#include "mm/memmap.h"
#include "mm/pmem.h"
#include "summary.h"
#include "test/benchmarks.h"
#include "test/crash.h"
#include "test/stress.h"
#include "verdict.h"

#ifndef KERNEL_VERSION
#define KERNEL_VERSION "unknown"
#endif

/* The boot tables map 0..4 GiB at DIRECT_MAP_BASE until paging_init. */
#define BOOT_DIRECT_MAP_END (4ull << 30)
/* Generous bound on the multiboot2 info (UEFI memory maps make it a few KiB). */
#define MB2_INFO_MAX (1u << 20)

static struct boot_info boot;
static struct memmap memmap;
static struct acpi acpi;
static bool have_acpi;
static struct madt_info madt;
static struct smp_report smp;

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
	struct boot_range keep[3 + BOOT_MODULES_MAX];
	size_t n = 0;
	keep[n++] = (struct boot_range){ kernel_phys_start(), kernel_phys_end() };
	keep[n++] = boot.info;
	if (pmem_cmdline_range(&keep[n]))
		n++; /* RAM declared persistent (pmem_size/pmem_at, mm/pmem.h) */
	for (size_t i = 0; i < boot.module_count; i++)
		keep[n++] = boot.modules[i];

	memmap_print_firmware(&boot.mmap);
	enum memmap_error err = memmap_build(&boot.mmap, keep, n, &memmap);
	if (err != MEMMAP_OK)
		panic("memory map: %s", memmap_strerror(err));
	memmap_print(&memmap);
}

/*
 * ACPI tables through the direct map: write-back where they lie in RAM
 * (ACPI and NVS ranges), uncached where the direct map has no page
 * (reserved ranges, holes, page 0 with the BIOS data area's EBDA pointer).
 */
static const void *acpi_mapper(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys == 0 || phys + len < phys)
		return NULL;
	if (paging_is_mapped(phys, len))
		return phys_to_virt(phys);
	return paging_map_mmio(phys, len);
}

/* RSDP from the boot information (multiboot2 tag 15/14, PVH); BIOS-area scan only without UEFI. */
static void find_acpi(const char *firmware)
{
	/* PVH points at the firmware's RSDP, which the direct map may not hold (a reserved range). */
	size_t size = boot.rsdp_size;
	const void *rsdp = boot.rsdp ? acpi_mapper(NULL, virt_to_phys(boot.rsdp), size) : NULL;
	struct acpi_rsdp_location loc;
	if (!rsdp && strcmp(firmware, "uefi") != 0 && acpi_scan_bios(acpi_mapper, NULL, &loc) == ACPI_OK) {
		rsdp = loc.rsdp;
		size = loc.size;
	}
	if (!rsdp) {
		kprintf("WARN msg=\"no ACPI RSDP: one CPU, no PM timer or HPET for the TSC calibration\"\n");
		return;
	}
	enum acpi_error err = acpi_init(&acpi, acpi_mapper, NULL, rsdp, size);
	if (err != ACPI_OK) {
		kprintf("WARN msg=\"ACPI root unusable: %s\"\n", acpi_strerror(err));
		return;
	}
	if (acpi.xsdt_error != ACPI_OK)
		kprintf("WARN msg=\"XSDT broken (%s), using the RSDT\"\n", acpi_strerror(acpi.xsdt_error));
	have_acpi = true;
}

/* CPUs from the MADT; without a usable one the BSP runs alone. */
static void find_cpus(void)
{
	uint32_t bsp = apic_id_from_cpuid();
	const struct acpi_sdt_header *table;
	enum acpi_error err = have_acpi ? acpi_find_table(&acpi, MADT_SIGNATURE, 0, &table) : ACPI_ERR_NO_RSDP;
	if (err == ACPI_OK)
		err = madt_parse(table, bsp, &madt);
	if (err == ACPI_ERR_TOO_MANY) {
		kprintf("WARN msg=\"MADT lists more CPUs than %u: starting the first ones\"\n", MADT_CPUS_MAX);
		err = ACPI_OK;
	}
	if (err != ACPI_OK) {
		kprintf("WARN msg=\"MADT unusable (%s): running on the BSP alone\"\n", acpi_strerror(err));
		memset(&madt, 0, sizeof(madt));
		madt.cpu_count = 1;
		madt.cpus[0].apic_id = bsp;
	}
}

/* Reference clocks for the TSC calibration: FADT PM timer and RTC flag, HPET (PIT needs nothing);
 * the FADT's reset register for reboot=1. */
static void find_timers(void)
{
	const struct acpi_sdt_header *table;
	struct fadt_info fadt;
	struct hpet_info hpet;
	if (!have_acpi)
		return;
	if (acpi_find_table(&acpi, FADT_SIGNATURE, 0, &table) == ACPI_OK && fadt_parse(table, &fadt) == ACPI_OK) {
		pmtimer_init(&fadt.pm_timer);
		reset_set_acpi(&fadt.reset);
		if (fadt.cmos_rtc_absent)
			rtc_set_absent("absent (FADT IAPC_BOOT_ARCH: CMOS RTC not present)");
	}
	if (acpi_find_table(&acpi, HPET_SIGNATURE, 0, &table) == ACPI_OK && hpet_parse(table, &hpet) == ACPI_OK)
		hpet_init(hpet.base);
}

static void print_env(void)
{
	char memtypes[192];
	paging_env(memtypes, sizeof(memtypes));
	struct cpu_ident id;
	cpu_ident_read(&id);
	char line[SUMMARY_LINE_MAX];
	ksnprintf(line, sizeof(line),
		  "ENV hypervisor=%s cpu=\"%s\" tsc_hz=%llu tsc_source=%s invariant_tsc=%d apic=%s cpus=%u mce_banks=%u %s",
		  id.hypervisor, id.brand, (unsigned long long)tsc_hz(), tsc_source(), id.invariant_tsc ? 1 : 0, apic_mode_name(), percpu_count(), mce_banks(), memtypes);
	kprintf("%s\n", line);
	summary_line(SUMMARY_ENV, line);
}

static void print_boot(const char *firmware)
{
	static char line[BOOT_CMDLINE_MAX + 256];
	ksnprintf(line, sizeof(line), "BOOT firmware=%s loader=\"%s\" cmdline=\"%s\" version=%s load_addr=%#llx",
		  firmware, boot.loader, boot.cmdline, KERNEL_VERSION, (unsigned long long)kernel_phys_start());
	kprintf("\n%s\n", line);
	summary_line(SUMMARY_BOOT, line);
}

void kmain(uint32_t magic, uint32_t info_phys)
{
	/* 1. Output goes to the console history until step 10b chooses the serial port;
	 *    kernel_exit chooses one itself for a run that ends earlier. */
	/* 2. GDT with this CPU's TSS, then the IDT: faults get a report from here on. */
	gdt_init();
	gdt_load_this_cpu(0);
	idt_init();
	idt_load_this_cpu();
	/* 3. Boot information into `boot` (reads it through the boot tables' 0..4 GiB map). */
	const char *firmware = read_boot_info(magic, info_phys);
	print_boot(firmware);
	/* 4. Command line: every module's options (.kopts); help=1 lists them and stops. */
	if (!cmdline_parse(boot.cmdline))
		kernel_exit(false, "bad kernel command line");
	if (cmdline_help_requested()) {
		cmdline_print_help();
		kernel_exit(true, "help");
	}
	/* 5. Memory map: firmware entries sorted, overlaps resolved, our own ranges kept. */
	build_memory_map();
	/* 6. The BSP's PAT, the MTRRs read, the direct map of RAM only (write-back), kernel image W^X;
	 *    the boot tables and boot GDT are gone after this. */
	paging_init(&memmap);
	/* 7. Framebuffer console where GRUB set a linear mode (needs paging_map_wc). */
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

	/* 9. Per-CPU data of the BSP (GS base): this_cpu() works from here on. */
	percpu_init_bsp();
	/* 9a. Machine checks: banks reported, cleared and enabled, #MC handler (CR4.MCE is on since entry). */
	mce_init_bsp();
	/* 10. ACPI root: RSDP from the boot information, BIOS-area scan only without UEFI. */
	find_acpi(firmware);
	/* 10b. Serial console: console=, else the ACPI SPCR port, else every COM port that answers;
	 *      the history so far is replayed there (MMIO ports need paging_init). */
	console_start(have_acpi ? &acpi : NULL);
	/* 11. CPU list from the MADT (broken or missing: WARN, the BSP alone). */
	find_cpus();
	/* 12. Local APIC, x2APIC when the firmware chose it or an id needs it; IPI vectors, panic's NMI stop. */
	if (!apic_init_bsp(madt.local_apic_address, madt.needs_x2apic))
		madt.cpu_count = 1;
	/* 12a. Every I/O APIC pin masked (MADT list), then what the firmware left pending drained: before the first sti. */
	ioapic_mask_all(&madt);
	apic_drain_pending();
	cpu_stop_init();
	run_cores_init();
	/* 13. TSC frequency, before any AP competes for the host (PM timer, HPET, PIT). */
	find_timers();
	if (!tsc_calibrate())
		kernel_exit(false, "no TSC frequency");
	/* 13a. Watchdog: the APIC timer that wakes the waiting BSP, measured against the TSC. */
	watchdog_init();
	/* 14. LLFree over all RAM, sized for every CPU found; the APs' stacks come from it. */
	if (!frames_init(&memmap, (unsigned)madt.cpu_count))
		kernel_exit(false, "frame allocator");
	/* 14b. Persistent memory range (pmem=...) found and mapped while the BSP runs alone. */
	if (!pmem_map(have_acpi ? &acpi : NULL, &memmap))
		kernel_exit(false, "persistent memory");
	/* 15. APs: INIT-SIPI-SIPI through the trampoline in a free page below 1 MiB. */
	smp_start_aps(&madt, memmap_low_page(&memmap), &smp);
	/* 15b. Every CPU has the BSP's PAT (each AP wrote it on entry): memory types agree. */
	run_cores_phase("pat-check");
	if (!pat_check_all_cpus())
		kernel_exit(false, "PAT differs between CPUs");
	print_env();
	/* 16. Self-test of stopping all cores on a panic, on request (panic_cpu=N). */
	run_cores_phase("selftest");
	run_cores_selftest();
	/* 16a. Self-test of the AP stacks' guard pages, on request (overflow_cpu=N). */
	stack_selftest();
	/* 17. LLFree stress test on every core (stress=0 skips it). */
	run_cores_phase("stress");
	if (!stress_run(percpu_count()))
		kernel_exit(false, "stress test failed");
	/* 17a. Machine-check banks of every CPU: corrected errors as WARN per bank; uncorrected ones fail. */
	run_cores_phase("mce-poll");
	if (!mce_poll(percpu_count()))
		kernel_exit(false, "uncorrected machine check error");
	/* 18. Benchmarks on every online CPU (bench=...), after the stress test checked the allocator. */
	run_cores_phase("bench");
	if (!kbench_run())
		kernel_exit(false, "benchmark failed");
	/* 19. Persistent LLFree instance (pmem=overwrite|recover) on the range step 14b mapped. */
	if (!pmem_init(percpu_count()))
		kernel_exit(false, "persistent memory");
	/* 20. Recovery check against the per-core logs; crash=1: crash mode until killed; orderly shutdown. */
	run_cores_phase("pmem");
	if (!crash_run(percpu_count()))
		kernel_exit(false, "persistent memory test failed");

	kernel_exit(true, "boot complete");
}
