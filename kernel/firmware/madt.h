/*
 * MADT (signature "APIC"): the CPUs to start, the local APIC address, the I/O APICs.
 * Follows the ACPI Specification 6.5, 5.2.12 Multiple APIC Description Table:
 * 5.2.12.2 Processor Local APIC (type 0), 5.2.12.3 I/O APIC (type 1),
 * 5.2.12.8 Local APIC Address Override (type 5), 5.2.12.12 Processor Local
 * x2APIC (type 9), and the Local APIC Flags table in 5.2.12.2.
 *
 * Entries are stepped by their own length; unknown types are skipped. A length
 * below 2 or below the type's structure size, or an entry running past the
 * table, is an error (the kernel then warns and runs on the BSP alone).
 */
#ifndef KERNEL_FIRMWARE_MADT_H
#define KERNEL_FIRMWARE_MADT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/acpi.h"

#define MADT_SIGNATURE "APIC"

#define MADT_CPUS_MAX 512
#define MADT_IOAPICS_MAX 16

/* The xAPIC id 0xFF is the broadcast destination; no CPU can own it. */
#define MADT_XAPIC_ID_BROADCAST 0xffu

struct madt_header {
	struct acpi_sdt_header sdt;
	uint32_t local_apic_address; /* 32-bit; type 5 may override it */
	uint32_t flags;              /* MADT_PCAT_COMPAT */
} __attribute__((packed));
_Static_assert(sizeof(struct madt_header) == 44, "MADT fixed part is 44 bytes (5.2.12)");

#define MADT_PCAT_COMPAT (1u << 0) /* dual 8259s present */

enum madt_entry_type {
	MADT_TYPE_LOCAL_APIC = 0,
	MADT_TYPE_IO_APIC = 1,
	MADT_TYPE_LOCAL_APIC_OVERRIDE = 5,
	MADT_TYPE_LOCAL_X2APIC = 9,
};

struct madt_entry_header {
	uint8_t type;
	uint8_t length;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_entry_header) == 2, "MADT entry header is 2 bytes");

struct madt_local_apic {
	struct madt_entry_header h;
	uint8_t acpi_processor_uid;
	uint8_t apic_id;
	uint32_t flags;              /* MADT_LAPIC_ENABLED, MADT_LAPIC_ONLINE_CAPABLE */
} __attribute__((packed));
_Static_assert(sizeof(struct madt_local_apic) == 8, "Processor Local APIC is 8 bytes (5.2.12.2)");

struct madt_io_apic {
	struct madt_entry_header h;
	uint8_t io_apic_id;
	uint8_t reserved;
	uint32_t io_apic_address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_io_apic) == 12, "I/O APIC is 12 bytes (5.2.12.3)");

struct madt_local_apic_override {
	struct madt_entry_header h;
	uint16_t reserved;
	uint64_t local_apic_address;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_local_apic_override) == 12,
	       "Local APIC Address Override is 12 bytes (5.2.12.8)");

struct madt_local_x2apic {
	struct madt_entry_header h;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;              /* same bits as the local APIC's */
	uint32_t acpi_processor_uid;
} __attribute__((packed));
_Static_assert(sizeof(struct madt_local_x2apic) == 16, "Processor Local x2APIC is 16 bytes (5.2.12.12)");

/* Local APIC Flags (5.2.12.2), for types 0 and 9. */
#define MADT_LAPIC_ENABLED (1u << 0)
/* ACPI 6.3+: with ENABLED clear, the CPU can be brought online at run time.
 * We never start such CPUs; they are counted for the log. */
#define MADT_LAPIC_ONLINE_CAPABLE (1u << 1)

struct madt_cpu {
	uint32_t apic_id;            /* 8-bit for type 0, 32-bit for type 9 */
	uint32_t acpi_processor_uid;
	bool x2apic_entry;           /* listed by a type 9 entry */
};

struct madt_ioapic {
	uint8_t id;
	uint32_t address;            /* physical, MMIO */
	uint32_t gsi_base;
};

struct madt_info {
	uint64_t local_apic_address; /* physical, type 5 override applied */
	bool local_apic_overridden;
	bool pcat_compat;
	/* Dense cpu index: cpus[0] is the BSP, then every other ENABLED CPU with
	 * a distinct APIC id, in MADT order. */
	size_t cpu_count;
	struct madt_cpu cpus[MADT_CPUS_MAX];
	uint32_t max_apic_id;        /* over cpus[] */
	bool needs_x2apic;           /* some APIC id does not fit xAPIC's 8 bits (>= 0xFF) */
	size_t disabled;             /* neither enabled nor online capable: ignored */
	size_t online_capable;       /* disabled but hot-pluggable (ACPI 6.3+): not started */
	size_t duplicates;           /* enabled entries repeating an APIC id: ignored */
	size_t invalid_ids;          /* type 0 entries with id 0xFF: ignored */
	size_t dropped_cpus;         /* beyond MADT_CPUS_MAX: not started (ACPI_ERR_TOO_MANY) */
	size_t ioapic_count;
	struct madt_ioapic ioapics[MADT_IOAPICS_MAX];
	size_t dropped_ioapics;      /* beyond MADT_IOAPICS_MAX (ACPI_ERR_TOO_MANY) */
};

/*
 * Parse a validated MADT (from acpi_find_table(..., MADT_SIGNATURE, 0, ...)).
 * `bsp_apic_id` is the running CPU's own APIC id; it becomes cpus[0].
 * Returns ACPI_OK, a structural error (nothing in `out` is to be used), or
 * ACPI_ERR_NO_BSP. ACPI_ERR_TOO_MANY means `out` is complete and usable but
 * holds only the first MADT_CPUS_MAX CPUs (BSP included) or MADT_IOAPICS_MAX
 * I/O APICs: the kernel prints the dropped counts and goes on.
 */
enum acpi_error madt_parse(const struct acpi_sdt_header *madt, uint32_t bsp_apic_id,
			   struct madt_info *out);

#endif
