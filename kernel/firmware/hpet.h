/*
 * HPET description table (signature "HPET"): where the HPET registers are.
 * Follows the IA-PC HPET (High Precision Event Timers) Specification 1.0a,
 * 3.2.4 "The ACPI 2.0 HPET Description Table (HPET)", and the ACPI
 * Specification 6.5, 5.2.3.2 Generic Address Structure.
 *
 * Only the first event timer block is described by this table; its registers
 * (capabilities, counter period) are read by the timer driver, not here.
 */
#ifndef KERNEL_FIRMWARE_HPET_H
#define KERNEL_FIRMWARE_HPET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/acpi.h"

#define HPET_SIGNATURE "HPET"

struct hpet_table {
	struct acpi_sdt_header sdt;
	uint32_t event_timer_block_id;  /* HPET_BLOCK_ID_* fields */
	struct acpi_gas base_address;   /* system memory: the register block */
	uint8_t hpet_number;            /* sequence number of this timer block */
	uint16_t min_clock_tick;        /* main counter minimum clock tick in periodic mode */
	uint8_t page_protection;        /* low nibble: 0 none, 1 4 KiB, 2 64 KiB */
} __attribute__((packed));
_Static_assert(sizeof(struct hpet_table) == 56, "HPET table is 56 bytes (HPET 1.0a, 3.2.4)");

/* Event Timer Block ID: a copy of the capabilities register's low 32 bits. */
#define HPET_BLOCK_ID_REV_MASK 0xffu
#define HPET_BLOCK_ID_COMPARATORS_SHIFT 8    /* number of comparators - 1 */
#define HPET_BLOCK_ID_COMPARATORS_MASK 0x1fu
#define HPET_BLOCK_ID_COUNT_SIZE_CAP (1u << 13) /* 64-bit main counter */
#define HPET_BLOCK_ID_LEGACY_REPLACEMENT (1u << 15)
#define HPET_BLOCK_ID_VENDOR_SHIFT 16

struct hpet_info {
	uint64_t base;          /* physical address of the register block (map uncached) */
	uint8_t number;
	uint8_t comparators;    /* in the first block, 1..32 */
	bool counter_64bit;
	bool legacy_replacement;
	uint16_t vendor_id;     /* PCI vendor id of the block */
	uint16_t min_clock_tick;
};

/*
 * Parse a validated HPET table.
 * Errors: ACPI_ERR_SIGNATURE, ACPI_ERR_TABLE_SHORT (below 56 bytes),
 * ACPI_ERR_ADDRESS_SPACE (base not in system memory, or zero).
 */
enum acpi_error hpet_parse(const struct acpi_sdt_header *table, struct hpet_info *out);

#endif
