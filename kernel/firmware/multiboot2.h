/*
 * Multiboot2 boot information, parsed into a plain struct.
 * Follows "The Multiboot2 Specification" version 2.0, section 3.6 (boot information format).
 *
 * The parser works on any byte buffer (host unit tests feed crafted ones) and
 * never trusts sizes: a truncated tag, a size past the end or a misaligned tag
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

#define BOOT_MMAP_MAX 256
#define BOOT_CMDLINE_MAX 512
#define BOOT_LOADER_MAX 64
#define BOOT_MODULES_MAX 8

struct boot_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type; /* enum mb2_mem_type or any other firmware value */
};

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
	size_t mmap_count;
	struct boot_mmap_entry mmap[BOOT_MMAP_MAX];
	bool mmap_truncated;        /* more than BOOT_MMAP_MAX entries: an error, reported */
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[BOOT_LOADER_MAX];
	size_t module_count;
	struct boot_range modules[BOOT_MODULES_MAX];
	const void *rsdp;           /* copy inside the info: tag 15 (ACPI 2.0+) preferred, else 14 */
	size_t rsdp_size;
	uint8_t rsdp_revision;      /* 0 for tag 14, else the RSDP's revision */
	bool efi;                   /* an EFI system table tag (11/12) or EFI mmap (17) was present */
	const void *efi_mmap;       /* tag 17 body, for diagnostics */
	size_t efi_mmap_size;
	uint32_t efi_desc_size;
	struct boot_framebuffer fb;
};

/* Error codes of the parser; mb2_strerror() names them. */
enum mb2_error {
	MB2_OK = 0,
	MB2_ERR_MAGIC,      /* EAX was not 0x36d76289 */
	MB2_ERR_NULL,       /* no info pointer */
	MB2_ERR_ALIGN,      /* info or a tag not 8-byte aligned */
	MB2_ERR_SIZE,       /* total_size too small or beyond the given bound */
	MB2_ERR_TAG,        /* a tag's size is smaller than its header or runs past the end */
	MB2_ERR_NO_END,     /* no end tag before total_size */
	MB2_ERR_MMAP,       /* memory map tag malformed (entry_size < 24, not a multiple of 8) */
	MB2_ERR_NO_MMAP,    /* no memory map tag: refuse to guess RAM */
	MB2_ERR_TOO_MANY,   /* more mmap entries or modules than the tables hold */
};

/*
 * Parse the info at `info` (physical address `info_phys`, for the reserved
 * range). `max_size` bounds total_size (the tests pass the buffer size; the
 * kernel passes a generous limit). Returns MB2_OK or an error.
 */
enum mb2_error mb2_parse(uint32_t magic, const void *info, uint64_t info_phys, size_t max_size,
			 struct boot_info *out);
const char *mb2_strerror(enum mb2_error err);

#endif
