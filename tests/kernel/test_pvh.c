/*
 * Host unit tests of kernel/firmware/pvh.c on start infos crafted in a fake
 * guest-physical buffer (Xen's PVH boot ABI, start_info version 1): the
 * memory map is read in place, whatever its length, and a map reaching
 * beyond 1 TiB builds into a memory map whose top is there.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "firmware/pvh.h"
#include "mm/memmap.h"

#define GIB (1ull << 30)
#define SI_PHYS 0x1000ull
#define CMDLINE_PHYS 0x1800ull
#define MEMMAP_PHYS 0x2000ull
#define ENTRIES 3000

/* Guest-physical bytes 0 .. sizeof(phys): what `map` reaches. */
static uint8_t phys[MEMMAP_PHYS + (ENTRIES + 1) * sizeof(struct hvm_memmap_entry)];
static struct boot_info bi;

static const void *map(uint64_t addr, uint64_t size)
{
	if (addr > sizeof(phys) || size > sizeof(phys) - addr)
		return NULL;
	return phys + addr;
}

static struct hvm_start_info *start_info(void)
{
	return (struct hvm_start_info *)(phys + SI_PHYS);
}

/* 3000 entries of 256 MiB from 4 GiB on, every eighth reserved, then one usable GiB at 2 TiB. */
static void craft(void)
{
	memset(phys, 0, sizeof(phys));
	struct hvm_memmap_entry *e = (struct hvm_memmap_entry *)(phys + MEMMAP_PHYS);
	e[0] = (struct hvm_memmap_entry){ 0, 0x9fc00, 1, 0 };
	for (uint64_t i = 1; i < ENTRIES; i++)
		e[i] = (struct hvm_memmap_entry){ 4 * GIB + i * (256ull << 20), 256ull << 20, i % 8 ? 1 : 2, 0 };
	e[ENTRIES] = (struct hvm_memmap_entry){ 2048 * GIB, GIB, 1, 0 };
	strcpy((char *)phys + CMDLINE_PHYS, "stress=1");
	*start_info() = (struct hvm_start_info){
		.magic = PVH_START_MAGIC,
		.version = 1,
		.cmdline_paddr = CMDLINE_PHYS,
		.memmap_paddr = MEMMAP_PHYS,
		.memmap_entries = ENTRIES + 1,
	};
}

Test(pvh, thousands_of_entries_beyond_1tib)
{
	craft();
	cr_assert_null(pvh_parse(SI_PHYS, map, &bi));
	cr_assert_str_eq(bi.cmdline, "stress=1");
	cr_assert_str_eq(bi.loader, "PVH");
	cr_assert_eq(bi.mmap.count, ENTRIES + 1);
	cr_assert_eq((const uint8_t *)bi.mmap.entries, phys + MEMMAP_PHYS, "read in place");
	struct boot_mmap_entry last = boot_mmap_get(&bi.mmap, ENTRIES);
	cr_assert_eq(last.base, 2048 * GIB);
	cr_assert_eq(last.length, GIB);
	cr_assert_eq(last.type, 1);
	cr_assert_eq(boot_mmap_get(&bi.mmap, 8).type, 2);

	static struct memmap m;
	cr_assert_eq(memmap_build(&bi.mmap, &bi.info, 1, &m), MEMMAP_OK);
	cr_assert_eq(m.top_usable, 2049 * GIB);
	/* low, kernel (the start info's page), low, usable/reserved pairs, the usable rest, 2 TiB */
	cr_assert_eq(m.count, 3 + 2 * ((ENTRIES - 1) / 8) + 1 + 1, "%zu ranges", m.count);
}

/* The map must lie wholly where `map` reaches, and there must be one. */
Test(pvh, memmap_refused_when_absent_or_unreachable)
{
	craft();
	start_info()->memmap_entries = ENTRIES + 2; /* one past the buffer */
	cr_assert_str_eq(pvh_parse(SI_PHYS, map, &bi), "PVH memory map not reachable");
	craft();
	start_info()->memmap_entries = 0;
	cr_assert_not_null(pvh_parse(SI_PHYS, map, &bi));
	cr_assert_eq(bi.mmap.count, 0);
	craft();
	start_info()->version = 0;
	cr_assert_not_null(pvh_parse(SI_PHYS, map, &bi));
	craft();
	start_info()->magic = 0;
	cr_assert_str_eq(pvh_parse(SI_PHYS, map, &bi), "PVH start info has a wrong magic");
}
