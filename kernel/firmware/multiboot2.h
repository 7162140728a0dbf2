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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Memory map entry types (spec 3.6.8), as reported by firmware. */
enum mb2_mem_type {
	MB2_MEM_AVAILABLE = 1,
	MB2_MEM_RESERVED = 2,
	MB2_MEM_ACPI_RECLAIMABLE = 3,
	MB2_MEM_NVS = 4,
	MB2_MEM_BADRAM = 5,
};

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

#define BOOT_CMDLINE_MAX 512
#define BOOT_LOADER_MAX 64
#define BOOT_MODULES_MAX 8

struct boot_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* enum mb2_mem_type or any other firmware value */
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

/* Entry i of m (i < m->count), read byte-wise: firmware bytes, not C objects. */
struct boot_mmap_entry boot_mmap_get(const struct boot_mmap *m, size_t i);

/* A view of a plain array (host tests, crafted maps). */
static inline struct boot_mmap boot_mmap_of(const struct boot_mmap_entry *entries, size_t count)
{
	return (struct boot_mmap){ entries, sizeof(*entries), count };
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
	struct boot_range info;     /* the multiboot info itself */
	struct boot_mmap mmap;      /* inside the info (multiboot2) or where PVH put it */
	char cmdline[BOOT_CMDLINE_MAX];    /* always NUL terminated, "" if absent */
	bool cmdline_truncated;            /* longer than the buffer: cut, not an error */
	char loader[BOOT_LOADER_MAX];      /* always NUL terminated, "" if absent */
	size_t module_count;
	struct boot_range modules[BOOT_MODULES_MAX];
	const void *rsdp;           /* copy inside the info: tag 15 (ACPI 2.0+) preferred, else 14 */
	size_t rsdp_size;
	uint8_t rsdp_revision;      /* 0 for tag 14, else the RSDP's revision */
	bool efi;                   /* an EFI system table tag (11/12) or EFI mmap (17) was present */
	uint64_t efi_system_table;  /* physical address from tag 12 (or 11), 0 if absent */
	const void *efi_mmap;       /* tag 17 body, for diagnostics */
	size_t efi_mmap_size;
	uint32_t efi_desc_size;
	struct boot_framebuffer fb;
	/* Where parsing failed, for the error message: offset and type of the
	 * offending tag (for MB2_ERR_NO_END the last one read; 0 and 0 when the
	 * fixed part was at fault). */
	size_t error_offset;
	uint32_t error_tag;
};

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
