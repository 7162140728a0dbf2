/*
 * What the kernel takes from its boot loader, whichever it was: the memory
 * map, the command line, the loader's name, modules, the ACPI RSDP, EFI
 * hints and the framebuffer. firmware/multiboot2.c (GRUB) and
 * firmware/pvh.c (qemu -kernel, Xen) fill it; the memory map, the console
 * and kmain read it and nothing else of either protocol.
 */
#ifndef KERNEL_FIRMWARE_BOOT_INFO_H
#define KERNEL_FIRMWARE_BOOT_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"

/*
 * Memory map entry types as firmware reports them: the ACPI address range
 * types (ACPI 6.5, 15.1, the E820 numbers), which multiboot2 (3.6.8) and
 * PVH's hvm_memmap_table_entry both pass on unchanged.
 */
enum boot_mem_type {
	BOOT_MEM_AVAILABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIMABLE = 3,
	BOOT_MEM_NVS = 4,
	BOOT_MEM_BADRAM = 5,
};

#define BOOT_CMDLINE_MAX 512
#define BOOT_LOADER_MAX 64
#define BOOT_MODULES_MAX 8

struct boot_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* enum boot_mem_type or any other firmware value */
};

/*
 * The firmware's memory map where the boot information holds it, never
 * copied, so that its size is whatever the firmware reports (a server's UEFI
 * map has thousands of descriptors): `count` entries `stride` bytes apart,
 * each starting with base (u64), length (u64), type (u32). Multiboot2 tag 6
 * entries, PVH hvm_memmap entries and struct boot_mmap_entry all have that
 * layout. In the kernel the entries are read through the direct map, before
 * the frame allocator may reuse the bytes (PVH places them in free RAM).
 */
struct boot_mmap {
	const void *entries;
	size_t stride;
	size_t count;
};
_Static_assert(offsetof(struct boot_mmap_entry, length) == 8 && offsetof(struct boot_mmap_entry, type) == 16,
	       "struct boot_mmap_entry has the firmware entries' layout");

/* Fields of firmware structures are read with memcpy: firmware bytes, not C objects. */
static inline uint32_t boot_read_u32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t boot_read_u64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Entry i of m (i < m->count), read byte-wise. */
static inline struct boot_mmap_entry boot_mmap_get(const struct boot_mmap *m, size_t i)
{
	const uint8_t *entry = (const uint8_t *)m->entries + i * m->stride;
	return (struct boot_mmap_entry){
		.base = boot_read_u64(entry + offsetof(struct boot_mmap_entry, base)),
		.length = boot_read_u64(entry + offsetof(struct boot_mmap_entry, length)),
		.type = boot_read_u32(entry + offsetof(struct boot_mmap_entry, type)),
	};
}

struct boot_range {
	uint64_t start; /* physical, inclusive */
	uint64_t end;   /* physical, exclusive */
};

struct boot_framebuffer {
	bool present;
	uint64_t addr; /* physical */
	uint32_t pitch, width, height;
	uint8_t bpp, type; /* type 1 = direct RGB */
};

struct boot_info {
	struct boot_range info;     /* the boot information itself (multiboot2 info, PVH start info) */
	struct boot_mmap mmap;      /* inside the info (multiboot2) or where PVH put it */
	char cmdline[BOOT_CMDLINE_MAX];    /* always NUL terminated, "" if absent */
	bool cmdline_truncated;            /* longer than the buffer: cut, not an error */
	char loader[BOOT_LOADER_MAX];      /* always NUL terminated, "" if absent */
	size_t module_count;
	struct boot_range modules[BOOT_MODULES_MAX];
	const void *rsdp;           /* multiboot2: a copy in the info, tag 15 (ACPI 2.0+) preferred, else 14 */
	size_t rsdp_size;
	uint8_t rsdp_revision;      /* 0 for tag 14, else the RSDP's revision */
	bool efi;                   /* an EFI system table tag (11/12) or EFI mmap (17) was present */
	uint64_t efi_system_table;  /* physical address from tag 12 (or 11), 0 if absent */
	const void *efi_mmap;       /* tag 17 body, for diagnostics */
	size_t efi_mmap_size;
	uint32_t efi_desc_size;
	struct boot_framebuffer fb;
	/* Where multiboot2 parsing failed, for the error message: offset and
	 * type of the offending tag (for MB2_ERR_NO_END the last one read; 0 and
	 * 0 when the fixed part was at fault). */
	size_t error_offset;
	uint32_t error_tag;
};

#endif
