/*
 * The physical memory map the kernel works from: firmware entries sorted,
 * overlaps resolved (the more restrictive type wins), usable ranges rounded
 * inward to 4 KiB, and the first MiB, the kernel image, the boot information and
 * the modules carved out. Pure computation: host unit tests run it on crafted maps.
 */
#ifndef KERNEL_MM_MEMMAP_H
#define KERNEL_MM_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/boot_info.h"

/* Ranges after coalescing (firmware entries are not limited: struct boot_mmap).
 * A server's thousands of UEFI descriptors coalesce into a few hundred. */
#define MEMMAP_MAX 2048
#define MEMMAP_PAGE 4096ull
#define MEMMAP_LOW_END 0x100000ull /* the first MiB: real-mode memory, never allocated */

/*
 * Where firmware ranges overlap, the type of higher rank wins:
 *   RESERVED > NVS > ACPI > KERNEL > LOW > USABLE
 * Anything the firmware does not call usable beats usable. RESERVED (also bad
 * RAM and unknown types) ranks first because nothing may touch it; NVS before
 * ACPI because NVS must survive sleep while reclaimable tables need not.
 * KERNEL and LOW are never firmware types: they only take usable bytes.
 */
enum memmap_type {
	MEMMAP_USABLE = 1,       /* free RAM the allocator may hand out, 4 KiB aligned */
	MEMMAP_RESERVED = 2,     /* firmware reserved, unknown types, bad RAM */
	MEMMAP_ACPI = 3,         /* ACPI reclaimable: kept, tables live there */
	MEMMAP_NVS = 4,          /* ACPI NVS */
	MEMMAP_KERNEL = 5,       /* usable RAM holding our image, the boot information, modules */
	MEMMAP_LOW = 6,          /* other usable RAM below 1 MiB, 4 KiB aligned: kept out of
				    the allocator, the AP trampoline takes a page here */
};

struct memmap_range {
	uint64_t start; /* inclusive, 4 KiB aligned for USABLE */
	uint64_t end;   /* exclusive */
	enum memmap_type type;
};

struct memmap {
	size_t count;
	struct memmap_range ranges[MEMMAP_MAX]; /* sorted, non-overlapping */
	uint64_t usable_bytes;   /* sum of USABLE */
	uint64_t top_usable;     /* exclusive end of the highest USABLE byte (sizes the direct map) */
	uint64_t top_any;        /* exclusive end of the highest range of any type */
	/* What the build had to decide, for the log (rules above memmap_type). */
	size_t fw_overlaps;      /* firmware entries that overlapped an earlier-painted one */
	size_t fw_unknown;       /* firmware entries of a type other than 1-5, kept reserved */
};

enum memmap_error {
	MEMMAP_OK = 0,
	MEMMAP_ERR_EMPTY,      /* no usable RAM left */
	MEMMAP_ERR_TOO_MANY,   /* more ranges than MEMMAP_MAX */
	MEMMAP_ERR_OVERFLOW,   /* base + length wraps past 2^64 */
	MEMMAP_ERR_KEEP,       /* a keep range ends before it starts */
	MEMMAP_ERR_COUNT
};

/*
 * Build `out` from the firmware's entries (any number) and the ranges the kernel must keep for
 * itself (image, info, modules; the first MiB is always excluded). Keep
 * ranges are widened to whole pages; only their usable bytes become KERNEL.
 * On MEMMAP_ERR_EMPTY `out` is complete (for printing); on other errors its
 * contents are unspecified.
 */
enum memmap_error memmap_build(const struct boot_mmap *fw, const struct boot_range *keep, size_t keep_count,
			       struct memmap *out);
const char *memmap_strerror(enum memmap_error err);
const char *memmap_type_name(enum memmap_type type);

/* The lowest LOW page above page 0 (for the AP trampoline), or 0 if none. */
uint64_t memmap_low_page(const struct memmap *map);

/* Kernel only (memmap_print.c, via kprintf): the log lines for people. */
/* At most MEMMAP_PRINT_FIRMWARE_MAX entries are listed (a UEFI map can have thousands:
 * at 115200 baud each line costs about 6 ms), then a line that says how many were not. */
#define MEMMAP_PRINT_FIRMWARE_MAX 128
void memmap_print_firmware(const struct boot_mmap *fw);
void memmap_print(const struct memmap *map);

#endif
