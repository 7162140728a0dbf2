/*
 * Kernel address space (4-level paging, Intel SDM Vol. 3A, 4.5).
 *
 *   0x0000000000001000 .. 0x00000000000fffff  identity map of the first MiB
 *                        (RW, executable, page 0 not present): kept after boot
 *                        for the AP trampoline, which runs there with paging on
 *   DIRECT_MAP_BASE + p  every physical byte p below the highest usable byte:
 *                        RAM write-back, holes and reserved chunks uncached,
 *                        no-execute; page 0 not present
 *   KERNEL_VMA + p       the kernel image (text RX, rodata R, data/bss RW+NX),
 *                        except the guard page below the boot CPU's stack;
 *                        p is the linked physical address, the frames are
 *                        at p + kernel_load_offset (arch/image.h)
 *
 * The direct map uses 1 GiB pages where CPUID 80000001h:EDX[26] allows and a
 * whole GiB is uniformly RAM or non-RAM, 2 MiB pages otherwise, 4 KiB pages
 * in the first 2 MiB. A 2 MiB chunk with any RAM in it is write-back (the
 * firmware's MTRRs still make its MMIO part uncached).
 *
 * Page tables come from a pool inside the kernel image (below 4 GiB), so the
 * root table's physical address fits the 32-bit CR3 load of the AP trampoline.
 */
#ifndef KERNEL_ARCH_PAGING_H
#define KERNEL_ARCH_PAGING_H

#include <stdbool.h>
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
 * Build the address space above from `map` and switch CR3 to it. Once, on
 * the boot CPU, after gdt_init/idt_init (the boot GDT is not mapped after
 * this). Before it, the boot tables map 0..4 GiB at DIRECT_MAP_BASE.
 */
void paging_init(const struct memmap *map);

/*
 * Map [phys, phys+size) uncached (4 KiB pages, splitting larger ones) in the
 * direct map and return its virtual address (= phys_to_virt(phys)). For the
 * LAPIC, IOAPIC, HPET, and anything outside the RAM-sized direct map. Safe
 * to call from any CPU after paging_init; only the calling CPU's TLB is
 * flushed, so map before starting the APs or before they touch the range.
 */
void *paging_map_mmio(uint64_t phys, uint64_t size);

/*
 * Map [phys, phys+size) write-back in the direct map, in 1 GiB / 2 MiB pages
 * where alignment allows, and return phys_to_virt(phys). For memory the
 * RAM-sized direct map leaves out or maps uncached: persistent memory
 * (NVDIMM / e820 type 7 or 12 ranges), reserved RAM a test wants to use.
 * Same locking and TLB rules as paging_map_mmio.
 */
void *paging_map_wb(uint64_t phys, uint64_t size);

/* Physical address of the top-level table (< 4 GiB), for the APs' CR3. */
uint64_t paging_root_phys(void);

/* Whether va lies in the unmapped guard page below the boot CPU's stack. */
bool paging_is_stack_guard(uint64_t va);

#endif
