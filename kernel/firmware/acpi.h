/*
 * ACPI root: RSDP validation, the RSDT/XSDT walk and table lookup by signature.
 * Follows the ACPI Specification 6.5: 5.2.5 Root System Description Pointer
 * (5.2.5.1 finding it on IA-PC, 5.2.5.3 its structure), 5.2.6 System
 * Description Table Header, 5.2.7 RSDT, 5.2.8 XSDT.
 *
 * Pure parsing for the kernel and the host: every physical access goes through
 * the caller's mapper, so host tests feed crafted tables and the kernel passes
 * phys_to_virt over its direct map. Nothing is trusted: a bad checksum, a length
 * below the header or absurdly large, a root table whose entries do not divide
 * evenly, or an address the mapper refuses is a specific error, never a hang or
 * an out-of-bounds read. The per-table parsers (madt.h, fadt.h, hpet.h,
 * nfit.h) share this file's error codes.
 */
#ifndef KERNEL_FIRMWARE_ACPI_H
#define KERNEL_FIRMWARE_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RSDP (5.2.5.3): 20 bytes in revision 0 (ACPI 1.0), 36 from revision 2. */
#define ACPI_RSDP_SIGNATURE "RSD PTR "
#define ACPI_RSDP_V1_SIZE 20u
#define ACPI_RSDP_V2_SIZE 36u

struct acpi_rsdp {
	char signature[8];   /* "RSD PTR " */
	uint8_t checksum;    /* first 20 bytes sum to 0 */
	char oem_id[6];
	uint8_t revision;    /* 0: ACPI 1.0; 2: ACPI 2.0 and later */
	uint32_t rsdt_address;
	/* revision >= 2 only */
	uint32_t length;     /* of the whole structure */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* all `length` bytes sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_SIZE, "RSDP is 36 bytes (5.2.5.3)");

/* System Description Table Header (5.2.6), at the start of every table. */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length;     /* whole table, header included */
	uint8_t revision;
	uint8_t checksum;    /* all `length` bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header is 36 bytes (5.2.6)");

/*
 * Generic Address Structure (5.2.3.2), used by the FADT and the HPET table.
 * Spaces: 0 system memory, 1 system I/O.
 */
#define ACPI_GAS_SYSTEM_MEMORY 0u
#define ACPI_GAS_SYSTEM_IO 1u

struct acpi_gas {
	uint8_t address_space_id;
	uint8_t register_bit_width;
	uint8_t register_bit_offset;
	uint8_t access_size; /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes (5.2.3.2)");

#define ACPI_RSDT_SIGNATURE "RSDT"
#define ACPI_XSDT_SIGNATURE "XSDT"

/*
 * Upper bound on any table's length. The largest real tables (DSDTs of big
 * servers) are a few MiB; a larger length is corruption, and mapping it
 * would run far past the table.
 */
#define ACPI_TABLE_MAX_LENGTH (16u << 20)

/* Error codes shared by every ACPI parser; acpi_strerror() names them. */
enum acpi_error {
	ACPI_OK = 0,
	ACPI_ERR_NO_RSDP,          /* no RSDP given, or the BIOS-area scan found no valid one */
	ACPI_ERR_RSDP_SIGNATURE,   /* not "RSD PTR " */
	ACPI_ERR_RSDP_CHECKSUM,    /* first 20 bytes do not sum to 0 */
	ACPI_ERR_RSDP_LENGTH,      /* revision >= 2 with length < 36, absurd, or beyond the given copy */
	ACPI_ERR_RSDP_EXT_CHECKSUM,/* revision >= 2: `length` bytes do not sum to 0 */
	ACPI_ERR_NO_ROOT,          /* neither an RSDT nor an XSDT address */
	ACPI_ERR_MAP,              /* the mapper refused an address range */
	ACPI_ERR_TABLE_LENGTH,     /* length < 36 or > ACPI_TABLE_MAX_LENGTH */
	ACPI_ERR_TABLE_CHECKSUM,   /* table bytes do not sum to 0 */
	ACPI_ERR_ROOT_SIGNATURE,   /* RSDT/XSDT address points at another table */
	ACPI_ERR_ROOT_ENTRIES,     /* root table body not a whole number of entries */
	ACPI_ERR_NOT_FOUND,        /* no table with this signature and index */
	ACPI_ERR_SIGNATURE,        /* a parser was handed a table of another kind */
	ACPI_ERR_TABLE_SHORT,      /* table shorter than its fixed fields */
	ACPI_ERR_ENTRY_LENGTH,     /* a sub-structure (MADT/NFIT entry) with length 0 or below its type's size */
	ACPI_ERR_ENTRY_OVERRUN,    /* a sub-structure runs past the table end */
	ACPI_ERR_TOO_MANY,         /* more entries than the fixed tables hold (the kept ones are valid) */
	ACPI_ERR_NO_BSP,           /* the MADT has no enabled entry with the BSP's APIC id */
	ACPI_ERR_ADDRESS_SPACE,    /* a register in an address space we cannot use */
	ACPI_ERR_RSDP_TRUNCATED,   /* revision >= 2 but only its first 20 bytes were copied */
	ACPI_ERR_UNSUPPORTED,      /* a device kind or register layout we do not drive (SPCR) */
	ACPI_ERR_COUNT
};

const char *acpi_strerror(enum acpi_error err);

/*
 * The caller's view of physical memory: return a pointer through which `len`
 * bytes at `phys` can be read, or NULL when the range cannot be mapped.
 * The pointer must stay valid while the struct acpi is in use (the kernel's
 * direct map is permanent).
 */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);

struct acpi {
	acpi_map_fn map;
	void *ctx;
	uint8_t revision;          /* the RSDP's */
	char oem_id[7];            /* the RSDP's, NUL-terminated */
	bool xsdt;                 /* root is the XSDT (64-bit entries), else the RSDT */
	uint64_t root_phys;
	const struct acpi_sdt_header *root; /* validated, mapped whole */
	size_t table_count;        /* entries in the root table */
	size_t bad_tables;         /* entries that failed validation (acpi_table_at says why) */
	/* The XSDT was present but broken and the RSDT is used instead: this says
	 * why, for the log. ACPI_OK when no fallback happened. */
	enum acpi_error xsdt_error;
};

/* Sum of `len` bytes modulo 256; a valid ACPI structure sums to 0. */
uint8_t acpi_checksum(const void *data, size_t len);

/* ---- what every table parser shares (madt.c, fadt.c, hpet.c, nfit.c, spcr.c) ---- */

/* A parser's first check: ACPI_ERR_SIGNATURE, ACPI_ERR_TABLE_SHORT (below `fixed` bytes), or ACPI_OK. */
enum acpi_error acpi_table_check(const struct acpi_sdt_header *table, const char *signature, size_t fixed);

/*
 * The variable-length entries after a table's fixed part (MADT entries,
 * NFIT structures): each begins with its type and its length, fields of
 * `field_bytes` (1 or 2) each, little-endian.
 */
struct acpi_entries {
	const uint8_t *next, *end;
	size_t field_bytes;
};
void acpi_entries_begin(struct acpi_entries *it, const struct acpi_sdt_header *table, size_t fixed,
			size_t field_bytes);
/*
 * The next entry, its length checked against min_length(type) (at least the
 * header) and the table's end: ACPI_OK with *entry and *type,
 * ACPI_ERR_NOT_FOUND after the last, ACPI_ERR_ENTRY_LENGTH or
 * ACPI_ERR_ENTRY_OVERRUN for a broken one (the walk stops there).
 */
enum acpi_error acpi_entries_next(struct acpi_entries *it, size_t (*min_length)(unsigned type),
				  const void **entry, unsigned *type);

/*
 * Check an RSDP copy of `size` readable bytes: signature, the 20-byte checksum
 * and, for revision >= 2, length and the extended checksum over `length` bytes.
 */
enum acpi_error acpi_rsdp_validate(const void *rsdp, size_t size);

/*
 * Validate `rsdp` (a copy of `rsdp_size` bytes, e.g. from multiboot2 tag 14/15)
 * and its root table: the XSDT when revision >= 2 and its address is
 * non-zero, else the RSDT; a broken XSDT falls back to a valid RSDT and
 * records why in xsdt_error. So does a revision >= 2 RSDP handed over as a
 * 20-byte copy (multiboot2 tag 14 from some loaders): its XSDT address is not
 * in the copy (xsdt_error ACPI_ERR_RSDP_TRUNCATED). Every listed table is validated once here and
 * counted in bad_tables; the walk continues past bad ones.
 */
enum acpi_error acpi_init(struct acpi *acpi, acpi_map_fn map, void *ctx, const void *rsdp,
			  size_t rsdp_size);

/*
 * The `index`-th table (0-based, in root order) whose signature is `signature`
 * (4 characters, e.g. "APIC"). On ACPI_OK *out is the validated table, mapped
 * whole. A matching table that fails validation returns its error (a table
 * with a bad checksum is never handed out), so the caller can say which table
 * was broken.
 */
enum acpi_error acpi_find_table(const struct acpi *acpi, const char *signature, size_t index,
				const struct acpi_sdt_header **out);

/*
 * Root entry `i` (< table_count): its physical address and, on ACPI_OK, the
 * validated table. For the boot log's table listing.
 */
enum acpi_error acpi_table_at(const struct acpi *acpi, size_t i, uint64_t *phys,
			      const struct acpi_sdt_header **out);

/*
 * Validate the table at `phys`: map the header, check 36 <= length <=
 * ACPI_TABLE_MAX_LENGTH, map it whole and check the checksum.
 */
enum acpi_error acpi_map_table(acpi_map_fn map, void *ctx, uint64_t phys,
			       const struct acpi_sdt_header **out);

/* IA-PC BIOS areas searched for the RSDP (5.2.5.1). */
#define ACPI_BDA_EBDA_SEGMENT 0x40eu /* BIOS data area word: EBDA segment */
#define ACPI_EBDA_SEARCH_LEN 1024u
#define ACPI_CONVENTIONAL_END 0xa0000u /* the EBDA lies below it */
#define ACPI_BIOS_ROM_START 0xe0000u
#define ACPI_BIOS_ROM_END 0x100000u  /* exclusive */
#define ACPI_RSDP_ALIGN 16u

struct acpi_rsdp_location {
	uint64_t phys;
	const void *rsdp;          /* mapped, `size` bytes readable */
	size_t size;               /* 20 for revision 0, else the RSDP's length */
};

/*
 * BIOS boots only (OVMF has no legacy RSDP): search the first KiB of the EBDA,
 * then 0xE0000-0xFFFFF, on 16-byte boundaries, for an RSDP that validates.
 * Candidates with the signature but a bad checksum are skipped.
 * Returns ACPI_ERR_NO_RSDP when none is found.
 */
enum acpi_error acpi_scan_bios(acpi_map_fn map, void *ctx, struct acpi_rsdp_location *out);

#endif
