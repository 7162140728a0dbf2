/*
 * PVH boot (qemu -kernel, Xen): the hvm_start_info structure, parsed into
 * struct boot_info (firmware/boot_info.h), as multiboot2 is.
 * Follows Xen's "x86/HVM direct boot ABI" (docs/misc/pvh.pandoc) and the
 * layout in xen/include/public/arch-x86/hvm/start_info.h (version 1: memory map).
 */
#ifndef KERNEL_FIRMWARE_PVH_H
#define KERNEL_FIRMWARE_PVH_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/boot_info.h"

/* boot/entry.asm passes this as kmain's magic after the PVH entry. */
#define BOOT_MAGIC_PVH 0x336ec578u
#define PVH_START_MAGIC 0x336ec578u

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;   /* version >= 1 */
	uint32_t memmap_entries; /* version >= 1 */
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info v1 is 56 bytes");

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry is 32 bytes");

/* Types are E820 types: enum boot_mem_type (firmware/boot_info.h). */
struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_memmap_entry) == 24, "hvm_memmap_table_entry is 24 bytes");
_Static_assert(offsetof(struct hvm_memmap_entry, size) == 8 && offsetof(struct hvm_memmap_entry, type) == 16,
	       "read through struct boot_mmap");

/*
 * Returns a pointer through which `size` bytes at physical `phys` can be
 * read, or NULL if they are not reachable (the kernel: the boot direct map).
 */
typedef const void *(*pvh_map_fn)(uint64_t phys, uint64_t size);

/* Parse the start info at physical `phys`. Returns NULL on success, else the reason. */
const char *pvh_parse(uint64_t phys, pvh_map_fn map, struct boot_info *out);

#endif
