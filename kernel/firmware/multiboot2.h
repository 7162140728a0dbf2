/*
 * Multiboot2 boot information, parsed into a plain struct.
 * Follows "The Multiboot2 Specification" version 2.0, section 3.6 (boot information format).
 *
 * The parser works on any byte buffer (host unit tests feed crafted ones) and
 * never trusts sizes: a truncated tag, a size past the end or a misaligned info
 * is an error with a message, never a crash or a silently wrong map.
 */
#ifndef KERNEL_FIRMWARE_MULTIBOOT2_H
#define KERNEL_FIRMWARE_MULTIBOOT2_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/boot_info.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Tag types (spec 3.6.2 onwards) that the parser reads; all others are skipped. */
enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4, /* never used to size RAM */
	MB2_TAG_MMAP = 6,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_EFI32 = 11,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_EFI_MMAP = 17,
};

/* Sizes fixed by the spec, the minimum a tag of that type must have. */
#define MB2_INFO_HEADER_SIZE 8   /* total_size, reserved */
#define MB2_TAG_HEADER_SIZE 8    /* type, size */
#define MB2_TAG_ALIGN 8
#define MB2_MMAP_HEADER_SIZE 16  /* type, size, entry_size, entry_version */
#define MB2_MMAP_ENTRY_MIN 24    /* base_addr, length, type, reserved */
#define MB2_RSDP_V1_SIZE 20      /* ACPI 6.4, 5.2.5.3: RSDP up to RsdtAddress */
#define MB2_RSDP_V2_SIZE 36      /* ... up to the extended checksum and reserved bytes */

/* Error codes of the parser; mb2_strerror() names them. */
enum mb2_error {
	MB2_OK = 0,
	MB2_ERR_MAGIC,      /* EAX was not 0x36d76289 */
	MB2_ERR_NULL,       /* no info pointer */
	MB2_ERR_ALIGN,      /* the info not 8-byte aligned (tags are found at 8-byte steps) */
	MB2_ERR_SIZE,       /* total_size too small or beyond the given bound */
	MB2_ERR_TAG,        /* a tag smaller than its header or fixed fields, running past the
			       end, or contradicting itself (module end < start, framebuffer
			       row wider than its pitch, EFI descriptor size < 40) */
	MB2_ERR_NO_END,     /* no end tag before total_size */
	MB2_ERR_MMAP,       /* memory map tag malformed (entry_size < 24, not a multiple of 8,
			       a partial entry, a second mmap tag) */
	MB2_ERR_NO_MMAP,    /* no memory map tag: refuse to guess RAM */
	MB2_ERR_TOO_MANY,   /* more modules than the table holds */
	MB2_ERR_COUNT
};

/*
 * Parse the info at `info` (physical address `info_phys`, for the reserved
 * range). `max_size` bounds total_size (the tests pass the buffer size; the
 * kernel passes a generous limit). Returns MB2_OK or an error; on error `out`
 * keeps what the tags before the failing one gave, for the message.
 */
enum mb2_error mb2_parse(uint32_t magic, const void *info, uint64_t info_phys, size_t max_size,
			 struct boot_info *out);
const char *mb2_strerror(enum mb2_error err);

#endif
