/*
 * Kernel address space (4-level paging, Intel SDM Vol. 3A, 4.5) and memory
 * types (11.11 MTRRs, 11.12 PAT).
 *
 *   0x0000000000001000 .. 0x00000000000fffff  identity map of the RAM pages
 *                        of the first MiB (RW, executable): kept after boot
 *                        for the AP trampoline, which runs there with paging on
 *   DIRECT_MAP_BASE + p  every RAM byte p (usable, kernel, ACPI, NVS ranges),
 *                        write-back, no-execute; holes, reserved ranges and
 *                        page 0 are not mapped until paging_map_* maps them
 *   KERNEL_VMA - 1 GiB   the APs' stacks, one 64 KiB slot per CPU, each
 *                        stack above an unmapped guard (arch/stacks.h); the
 *                        direct map never reaches this last GiB below the image
 *   KERNEL_VMA + p       the kernel image (text RX, rodata R, data/bss RW+NX),
 *                        except the guard page below the boot CPU's stack;
 *                        p is the linked physical address, the frames are
 *                        at p + kernel_load_offset (arch/image.h)
 *
 * The direct map uses 1 GiB pages where CPUID 80000001h:EDX[26] allows, and
 * 1 GiB or 2 MiB pages only where all of the page is one RAM run and one
 * MTRR type (arch/direct_map.h); 4 KiB pages elsewhere. Memory types come
 * from the PAT (arch/pat.h, written on every CPU): WB for RAM, UC for MMIO,
 * WC for framebuffers.
 *
 * After paging_init, mappings are only ever added: a present entry is never
 * changed, so no CPU can hold a stale translation and no TLB shootdown is
 * needed (SDM 4.10.4.3), before or after the APs start.
 *
 * Page tables come from a pool inside the kernel image (below 4 GiB), so the
 * root table's physical address fits the 32-bit CR3 load of the AP trampoline.
 */
#ifndef KERNEL_ARCH_PAGING_H
#define KERNEL_ARCH_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/image.h"
#include "mm/memmap.h"

#define PAGE_SIZE 4096ull
#define DIRECT_MAP_BASE 0xffff800000000000ull
#define KERNEL_VMA 0xffffffff80000000ull
/* End of the identity map kept after paging_init (see above). */
#define PAGING_IDENTITY_LOW_END 0x100000ull

static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(DIRECT_MAP_BASE + phys);
}

/* For direct-map, kernel-image and low identity-mapped addresses. */
static inline uint64_t virt_to_phys(const void *virt)
{
	uint64_t v = (uint64_t)virt;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA + kernel_load_offset;
	if (v >= DIRECT_MAP_BASE)
		return v - DIRECT_MAP_BASE;
	return v;
}

/*
 * Program the boot CPU's PAT, read the MTRRs, build the address space above
 * from `map` and switch CR3 to it. Once, on the boot CPU, after
 * gdt_init/idt_init (the boot GDT is not mapped after this). Before it, the
 * boot tables map 0..4 GiB at DIRECT_MAP_BASE.
 */
void paging_init(const struct memmap *map);

/*
 * Map [phys, phys+size) in the direct map and return phys_to_virt(phys).
 * Only what is not mapped yet is mapped; pages already mapped keep their
 * type (a WARN says so when it differs from the one asked for). Any CPU,
 * any time after paging_init (see above: no shootdown is needed).
 *   paging_map_mmio  uncached (UC), 4 KiB pages: device registers (LAPIC,
 *                    IOAPIC, HPET) and anything else that is not RAM
 *   paging_map_wc    write-combining, 4 KiB pages: framebuffers (UC where
 *                    the CPU has no PAT)
 *   paging_map_wb    write-back, 1 GiB / 2 MiB pages where alignment and the
 *                    MTRRs allow: persistent memory (NFIT ranges, e820 type
 *                    7 or 12) and other memory the direct map leaves out
 */
void *paging_map_mmio(uint64_t phys, uint64_t size);
void *paging_map_wc(uint64_t phys, uint64_t size);
void *paging_map_wb(uint64_t phys, uint64_t size);

/*
 * Map [phys, phys+size) at `va`, outside the direct map (the AP stacks'
 * region), 4 KiB pages, write-back, no-execute; unmap it again. Page
 * aligned. Same locking and TLB rules as paging_map_mmio.
 */
void paging_map_at(uint64_t va, uint64_t phys, uint64_t size);
void paging_unmap_at(uint64_t va, uint64_t size);

/* Whether every page of [phys, phys+size) is mapped in the direct map. */
bool paging_is_mapped(uint64_t phys, uint64_t size);

/* The ENV line's memory-type keys: mtrr="..." pat=... ram_not_wb_mib=N. */
void paging_env(char *buf, size_t size);

/* Physical address of the top-level table (< 4 GiB), for the APs' CR3. */
uint64_t paging_root_phys(void);

/* Whether va lies in the unmapped guard page below the boot CPU's stack. */
bool paging_is_stack_guard(uint64_t va);

#endif
