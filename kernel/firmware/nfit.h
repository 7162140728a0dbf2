/*
 * NFIT (signature "NFIT"): the persistent-memory ranges of the physical address space.
 * Follows the ACPI Specification 6.0, 5.2.25 NVDIMM Firmware Interface Table
 * (same layout in 6.5), System Physical Address Range Structure (type 0) and
 * its Address Range Type GUIDs.
 *
 * Only SPA ranges whose type GUID is Persistent Memory are returned; volatile,
 * block-window, control and other ranges are skipped by their length. Other
 * structure types (region mappings, control regions, ...) are not parsed.
 */
#ifndef KERNEL_FIRMWARE_NFIT_H
#define KERNEL_FIRMWARE_NFIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/acpi.h"

#define NFIT_SIGNATURE "NFIT"
#define NFIT_RANGES_MAX 16

struct nfit_header {
	struct acpi_sdt_header sdt;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct nfit_header) == 40, "NFIT fixed part is 40 bytes (5.2.25)");

struct nfit_structure_header {
	uint16_t type;
	uint16_t length;
} __attribute__((packed));
_Static_assert(sizeof(struct nfit_structure_header) == 4, "NFIT structure header is 4 bytes");

#define NFIT_TYPE_SPA_RANGE 0u

/* A GUID as stored in ACPI tables: data1-3 little-endian, data4 as bytes. */
struct acpi_guid {
	uint32_t data1;
	uint16_t data2;
	uint16_t data3;
	uint8_t data4[8];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_guid) == 16, "GUID is 16 bytes");

/* Byte Addressable Persistent Memory region: 66F0D379-B4F3-4074-AC43-0D3318B78CDB. */
#define NFIT_GUID_PERSISTENT_MEMORY                                       \
	{ 0x66f0d379u, 0xb4f3u, 0x4074u, { 0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb } }
/* Volatile Memory region: 7305944F-FDDA-44E3-B16C-3F22D252E5D0 (not returned). */
#define NFIT_GUID_VOLATILE_MEMORY                                         \
	{ 0x7305944fu, 0xfddau, 0x44e3u, { 0xb1, 0x6c, 0x3f, 0x22, 0xd2, 0x52, 0xe5, 0xd0 } }

struct nfit_spa_range {
	struct nfit_structure_header h;
	uint16_t range_index;
	uint16_t flags;                 /* NFIT_SPA_FLAG_* */
	uint32_t reserved;
	uint32_t proximity_domain;      /* valid with NFIT_SPA_FLAG_PROXIMITY_VALID */
	struct acpi_guid range_type;
	uint64_t base;                  /* system physical address */
	uint64_t length;                /* bytes */
	uint64_t memory_mapping_attribute; /* EFI memory attribute bits */
} __attribute__((packed));
_Static_assert(sizeof(struct nfit_spa_range) == 56, "SPA Range Structure is 56 bytes (5.2.25)");

#define NFIT_SPA_FLAG_HOTPLUG_ONLY (1u << 0)
#define NFIT_SPA_FLAG_PROXIMITY_VALID (1u << 1)

struct nfit_range {
	uint64_t base;                  /* physical, inclusive */
	uint64_t length;                /* bytes, non-zero */
	uint16_t range_index;
	uint32_t proximity_domain;
	bool proximity_valid;
};

struct nfit_info {
	size_t range_count;
	struct nfit_range ranges[NFIT_RANGES_MAX]; /* persistent memory only, NFIT order */
	size_t other_ranges;            /* SPA ranges of other types (volatile, ...) skipped */
	size_t empty_ranges;            /* PM ranges of length 0 or wrapping past 2^64: skipped */
	size_t dropped_ranges;          /* PM ranges beyond NFIT_RANGES_MAX (ACPI_ERR_TOO_MANY) */
};

/*
 * Parse a validated NFIT into its persistent-memory ranges.
 * Errors: ACPI_ERR_SIGNATURE, ACPI_ERR_TABLE_SHORT, ACPI_ERR_ENTRY_LENGTH (a
 * structure length below 4, or below 56 for an SPA range), ACPI_ERR_ENTRY_OVERRUN
 * (past the table end). ACPI_ERR_TOO_MANY keeps the first NFIT_RANGES_MAX
 * ranges, usable, and counts the rest in dropped_ranges.
 */
enum acpi_error nfit_parse(const struct acpi_sdt_header *table, struct nfit_info *out);

#endif
