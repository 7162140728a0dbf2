/*
 * Host tests of the ACPI root (RSDP, RSDT/XSDT walk, lookup, BIOS-area scan),
 * the FADT PM timer and the HPET table, on crafted tables in a fake memory.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_builder.h"
#include "firmware/acpi.h"
#include "firmware/fadt.h"
#include "firmware/hpet.h"

/* Where the tests put things in the fake physical memory. */
#define RSDT_PHYS 0x100000u
#define XSDT_PHYS 0x101000u
#define FACP_PHYS 0x102000u
#define APIC_PHYS 0x103000u
#define HPET_PHYS 0x104000u
#define SSDT0_PHYS 0x105000u
#define SSDT1_PHYS 0x106000u
#define EBDA_PHYS 0x9fc00u

static struct fake_mem mem;
static struct acpi acpi;

static void setup(void) { fake_mem_init(&mem); }
static void teardown(void) { fake_mem_free(&mem); }

TestSuite(acpi, .init = setup, .fini = teardown);

/* A small table with a recognisable body. */
static void put_small(uint64_t phys, const char *sig, const char *oem_table_id)
{
	struct table_builder t;
	tb_init(&t);
	tb_u32(&t, 0x12345678);
	put_table(&mem, phys, sig, 1, oem_table_id, &t);
}

static void put_standard_tables(void)
{
	put_small(FACP_PHYS, "FACP", "FACPTABL");
	put_small(APIC_PHYS, "APIC", "APICTABL");
	put_small(HPET_PHYS, "HPET", "HPETTABL");
}

static const uint32_t standard32[] = { FACP_PHYS, APIC_PHYS, HPET_PHYS };
static const uint64_t standard64[] = { FACP_PHYS, APIC_PHYS, HPET_PHYS };

static enum acpi_error init_with(const struct acpi_rsdp *r, size_t size)
{
	return acpi_init(&acpi, fake_mem_map, &mem, r, size);
}

static void expect_table(const char *sig, size_t index, uint64_t phys)
{
	const struct acpi_sdt_header *h = NULL;
	enum acpi_error err = acpi_find_table(&acpi, sig, index, &h);
	cr_assert_eq(err, ACPI_OK, "%s #%zu: %s", sig, index, acpi_strerror(err));
	cr_assert_eq(memcmp(h->signature, sig, 4), 0);
	cr_assert_eq(memcmp(h, mem.bytes + phys, h->length), 0, "%s is the copy at %#lx", sig,
		     (unsigned long)phys);
}

Test(acpi, rsdp_v0_walks_rsdt)
{
	struct acpi_rsdp r;
	put_standard_tables();
	put_rsdt(&mem, RSDT_PHYS, standard32, 3);
	build_rsdp(&r, 0, RSDT_PHYS, 0);

	cr_assert_eq(init_with(&r, ACPI_RSDP_V1_SIZE), ACPI_OK);
	cr_assert_eq(acpi.revision, 0);
	cr_assert_str_eq(acpi.oem_id, "LLFREE");
	cr_assert_not(acpi.xsdt);
	cr_assert_eq(acpi.root_phys, RSDT_PHYS);
	cr_assert_eq(acpi.table_count, 3);
	cr_assert_eq(acpi.bad_tables, 0);
	cr_assert_eq(acpi.xsdt_error, ACPI_OK);
	expect_table("FACP", 0, FACP_PHYS);
	expect_table("APIC", 0, APIC_PHYS);
	expect_table("HPET", 0, HPET_PHYS);

	const struct acpi_sdt_header *h;
	cr_assert_eq(acpi_find_table(&acpi, "APIC", 1, &h), ACPI_ERR_NOT_FOUND);
	cr_assert_eq(acpi_find_table(&acpi, "NFIT", 0, &h), ACPI_ERR_NOT_FOUND);
}

Test(acpi, rsdp_v2_walks_xsdt)
{
	struct acpi_rsdp r;
	put_standard_tables();
	put_xsdt(&mem, XSDT_PHYS, standard64, 3);
	build_rsdp(&r, 2, 0, XSDT_PHYS);

	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_OK);
	cr_assert_eq(acpi.revision, 2);
	cr_assert(acpi.xsdt);
	cr_assert_eq(acpi.root_phys, XSDT_PHYS);
	cr_assert_eq(acpi.table_count, 3);
	cr_assert_eq(acpi.bad_tables, 0);
	expect_table("FACP", 0, FACP_PHYS);
	expect_table("HPET", 0, HPET_PHYS);

	uint64_t phys;
	const struct acpi_sdt_header *h;
	cr_assert_eq(acpi_table_at(&acpi, 1, &phys, &h), ACPI_OK);
	cr_assert_eq(phys, APIC_PHYS);
	cr_assert_eq(acpi_table_at(&acpi, 3, &phys, &h), ACPI_ERR_NOT_FOUND);
}

Test(acpi, xsdt_preferred_over_rsdt_at_revision_2)
{
	struct acpi_rsdp r;
	put_small(SSDT0_PHYS, "SSDT", "VIA_RSDT");
	put_small(SSDT1_PHYS, "SSDT", "VIA_XSDT");
	const uint32_t rsdt[] = { SSDT0_PHYS };
	const uint64_t xsdt[] = { SSDT1_PHYS };
	put_rsdt(&mem, RSDT_PHYS, rsdt, 1);
	put_xsdt(&mem, XSDT_PHYS, xsdt, 1);
	build_rsdp(&r, 2, RSDT_PHYS, XSDT_PHYS);

	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_OK);
	cr_assert(acpi.xsdt);
	const struct acpi_sdt_header *h;
	cr_assert_eq(acpi_find_table(&acpi, "SSDT", 0, &h), ACPI_OK);
	cr_assert_eq(memcmp(h->oem_table_id, "VIA_XSDT", 8), 0);
	cr_assert_eq(acpi_find_table(&acpi, "SSDT", 1, &h), ACPI_ERR_NOT_FOUND);

	/* Revision 0 has no XSDT field: bytes after the 20 are not one, even when
	 * they happen to hold a valid XSDT's address. */
	build_rsdp(&r, 0, RSDT_PHYS, 0);
	r.xsdt_address = XSDT_PHYS;
	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_OK);
	cr_assert_not(acpi.xsdt);
	cr_assert_eq(acpi_find_table(&acpi, "SSDT", 0, &h), ACPI_OK);
	cr_assert_eq(memcmp(h->oem_table_id, "VIA_RSDT", 8), 0);
}

Test(acpi, revision_2_with_zero_xsdt_uses_rsdt)
{
	struct acpi_rsdp r;
	put_standard_tables();
	put_rsdt(&mem, RSDT_PHYS, standard32, 3);
	build_rsdp(&r, 2, RSDT_PHYS, 0);

	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_OK);
	cr_assert_not(acpi.xsdt);
	cr_assert_eq(acpi.xsdt_error, ACPI_OK);
	expect_table("APIC", 0, APIC_PHYS);
}

Test(acpi, revision_2_rsdp_in_a_20_byte_copy_uses_the_rsdt)
{
	struct acpi_rsdp r;
	put_standard_tables();
	put_rsdt(&mem, RSDT_PHYS, standard32, 3);
	build_rsdp(&r, 2, RSDT_PHYS, XSDT_PHYS);
	uint8_t copy[ACPI_RSDP_V1_SIZE]; /* exact size: ASan flags a read past it */
	memcpy(copy, &r, sizeof(copy));

	cr_assert_eq(acpi_rsdp_validate(copy, sizeof(copy)), ACPI_ERR_RSDP_LENGTH);
	cr_assert_eq(init_with((const struct acpi_rsdp *)copy, sizeof(copy)), ACPI_OK);
	cr_assert_eq(acpi.revision, 2);
	cr_assert_not(acpi.xsdt);
	cr_assert_eq(acpi.xsdt_error, ACPI_ERR_RSDP_TRUNCATED);
	expect_table("APIC", 0, APIC_PHYS);

	/* A bad first checksum is still fatal. */
	copy[8]++;
	cr_assert_eq(init_with((const struct acpi_rsdp *)copy, sizeof(copy)), ACPI_ERR_RSDP_CHECKSUM);
}

Test(acpi, broken_xsdt_falls_back_to_rsdt_and_says_why)
{
	struct acpi_rsdp r;
	put_standard_tables();
	put_rsdt(&mem, RSDT_PHYS, standard32, 3);
	put_xsdt(&mem, XSDT_PHYS, standard64, 3);
	mem.bytes[XSDT_PHYS + 40] ^= 0x01; /* corrupt an entry: checksum no longer 0 */
	build_rsdp(&r, 2, RSDT_PHYS, XSDT_PHYS);

	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_OK);
	cr_assert_not(acpi.xsdt);
	cr_assert_eq(acpi.xsdt_error, ACPI_ERR_TABLE_CHECKSUM);
	expect_table("HPET", 0, HPET_PHYS);

	/* Without an RSDT the XSDT's error is the result. */
	build_rsdp(&r, 2, 0, XSDT_PHYS);
	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_ERR_TABLE_CHECKSUM);
}

Test(acpi, bad_rsdp_checksum)
{
	struct acpi_rsdp r;
	put_rsdt(&mem, RSDT_PHYS, standard32, 0);
	build_rsdp(&r, 0, RSDT_PHYS, 0);
	r.checksum++;
	cr_assert_eq(init_with(&r, ACPI_RSDP_V1_SIZE), ACPI_ERR_RSDP_CHECKSUM);
	/* A failed init leaves a struct that finds nothing rather than garbage. */
	const struct acpi_sdt_header *h;
	cr_assert_eq(acpi.table_count, 0);
	cr_assert_eq(acpi_find_table(&acpi, "RSDT", 0, &h), ACPI_ERR_NOT_FOUND);

	build_rsdp(&r, 2, RSDT_PHYS, XSDT_PHYS);
	r.oem_id[0] = 'X'; /* inside the first 20 bytes */
	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_ERR_RSDP_CHECKSUM);
}

Test(acpi, bad_extended_checksum)
{
	struct acpi_rsdp r;
	put_xsdt(&mem, XSDT_PHYS, standard64, 0);
	build_rsdp(&r, 2, 0, XSDT_PHYS);
	r.extended_checksum++;
	cr_assert_eq(acpi_rsdp_validate(&r, sizeof(r)), ACPI_ERR_RSDP_EXT_CHECKSUM);
	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_ERR_RSDP_EXT_CHECKSUM);

	/* A change past byte 20 leaves the first checksum intact. */
	build_rsdp(&r, 2, 0, XSDT_PHYS);
	r.xsdt_address += 0x1000;
	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_ERR_RSDP_EXT_CHECKSUM);
}

Test(acpi, rsdp_signature_and_length)
{
	struct acpi_rsdp r;
	build_rsdp(&r, 0, RSDT_PHYS, 0);
	r.signature[0] = 'r';
	cr_assert_eq(acpi_rsdp_validate(&r, ACPI_RSDP_V1_SIZE), ACPI_ERR_RSDP_SIGNATURE);
	cr_assert_eq(init_with(NULL, 0), ACPI_ERR_NO_RSDP);
	build_rsdp(&r, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_rsdp_validate(&r, ACPI_RSDP_V1_SIZE - 1), ACPI_ERR_NO_RSDP);

	/* Revision 2 in a 20-byte copy: the length field cannot be read. */
	build_rsdp(&r, 2, 0, XSDT_PHYS);
	cr_assert_eq(acpi_rsdp_validate(&r, ACPI_RSDP_V1_SIZE), ACPI_ERR_RSDP_LENGTH);

	/* length below 36, and beyond the copy handed over. */
	uint8_t big[64];
	struct acpi_rsdp *b = (struct acpi_rsdp *)big;
	memset(big, 0, sizeof(big));
	build_rsdp(b, 2, 0, XSDT_PHYS);
	b->length = 24;
	b->extended_checksum = 0;
	b->extended_checksum = (uint8_t)(0u - acpi_checksum(b, 24));
	cr_assert_eq(acpi_rsdp_validate(b, sizeof(big)), ACPI_ERR_RSDP_LENGTH);
	b->length = 64;
	b->extended_checksum = 0;
	b->extended_checksum = (uint8_t)(0u - acpi_checksum(b, 64));
	cr_assert_eq(acpi_rsdp_validate(b, sizeof(big)), ACPI_OK);
	cr_assert_eq(acpi_rsdp_validate(b, 63), ACPI_ERR_RSDP_LENGTH);
}

Test(acpi, no_root_address)
{
	struct acpi_rsdp r;
	build_rsdp(&r, 2, 0, 0);
	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_ERR_NO_ROOT);
	build_rsdp(&r, 0, 0, 0);
	cr_assert_eq(init_with(&r, ACPI_RSDP_V1_SIZE), ACPI_ERR_NO_ROOT);
}

Test(acpi, table_with_bad_checksum_is_skipped_with_an_error)
{
	struct acpi_rsdp r;
	put_standard_tables();
	put_rsdt(&mem, RSDT_PHYS, standard32, 3);
	mem.bytes[APIC_PHYS + 36] ^= 0xff;
	build_rsdp(&r, 0, RSDT_PHYS, 0);

	cr_assert_eq(init_with(&r, ACPI_RSDP_V1_SIZE), ACPI_OK);
	cr_assert_eq(acpi.table_count, 3);
	cr_assert_eq(acpi.bad_tables, 1);
	const struct acpi_sdt_header *h = NULL;
	cr_assert_eq(acpi_find_table(&acpi, "APIC", 0, &h), ACPI_ERR_TABLE_CHECKSUM);
	cr_assert_null(h, "a broken table is never handed out");
	expect_table("FACP", 0, FACP_PHYS);
	expect_table("HPET", 0, HPET_PHYS);

	uint64_t phys;
	cr_assert_eq(acpi_table_at(&acpi, 1, &phys, &h), ACPI_ERR_TABLE_CHECKSUM);
	cr_assert_eq(phys, APIC_PHYS);
}

Test(acpi, table_length_below_header_or_absurd)
{
	struct acpi_rsdp r;
	put_standard_tables();
	put_rsdt(&mem, RSDT_PHYS, standard32, 3);
	build_rsdp(&r, 0, RSDT_PHYS, 0);

	struct acpi_sdt_header *facp = (struct acpi_sdt_header *)(mem.bytes + FACP_PHYS);
	facp->length = 35;
	struct acpi_sdt_header *hpet = (struct acpi_sdt_header *)(mem.bytes + HPET_PHYS);
	hpet->length = 0xffffffffu;

	cr_assert_eq(init_with(&r, ACPI_RSDP_V1_SIZE), ACPI_OK);
	cr_assert_eq(acpi.bad_tables, 2);
	const struct acpi_sdt_header *h;
	cr_assert_eq(acpi_find_table(&acpi, "FACP", 0, &h), ACPI_ERR_TABLE_LENGTH);
	cr_assert_eq(acpi_find_table(&acpi, "HPET", 0, &h), ACPI_ERR_TABLE_LENGTH);
	expect_table("APIC", 0, APIC_PHYS);

	/* Plausible length, but the table would run past mappable memory. */
	hpet->length = ACPI_TABLE_MAX_LENGTH;
	cr_assert_eq(acpi_find_table(&acpi, "HPET", 0, &h), ACPI_ERR_MAP);
}

/* A mapper whose memory changes under it: every mapping longer than a
 * header sees the length field grown by 4 (firmware tables must be stable;
 * a table that is not is refused, not read by its first length). */
static const void *growing_map(void *ctx, uint64_t phys, size_t len)
{
	const void *p = fake_mem_map(ctx, phys, len);
	if (p && len > sizeof(struct acpi_sdt_header) && phys == APIC_PHYS) {
		struct acpi_sdt_header *h = (struct acpi_sdt_header *)p;
		h->length += 4;
	}
	return p;
}

Test(acpi, table_length_changing_between_maps_is_refused)
{
	struct acpi_rsdp r;
	put_standard_tables();
	put_rsdt(&mem, RSDT_PHYS, standard32, 3);
	build_rsdp(&r, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_init(&acpi, growing_map, &mem, &r, ACPI_RSDP_V1_SIZE), ACPI_OK);
	cr_assert_eq(acpi.bad_tables, 1);
	const struct acpi_sdt_header *h;
	cr_assert_eq(acpi_find_table(&acpi, "APIC", 0, &h), ACPI_ERR_TABLE_LENGTH);
	cr_assert_eq(acpi_find_table(&acpi, "HPET", 0, &h), ACPI_OK);
}

Test(acpi, root_entries_not_integral)
{
	struct acpi_rsdp r;
	put_standard_tables();
	struct table_builder t;
	tb_init(&t);
	tb_u64(&t, FACP_PHYS);
	tb_u32(&t, APIC_PHYS); /* 12 bytes: one and a half XSDT entries */
	put_table(&mem, XSDT_PHYS, "XSDT", 1, NULL, &t);
	build_rsdp(&r, 2, 0, XSDT_PHYS);
	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_ERR_ROOT_ENTRIES);

	tb_init(&t);
	tb_u32(&t, FACP_PHYS);
	tb_u16(&t, 0);
	put_table(&mem, RSDT_PHYS, "RSDT", 1, NULL, &t);
	build_rsdp(&r, 0, RSDT_PHYS, 0);
	cr_assert_eq(init_with(&r, ACPI_RSDP_V1_SIZE), ACPI_ERR_ROOT_ENTRIES);
}

Test(acpi, root_signature_checked)
{
	struct acpi_rsdp r;
	put_standard_tables();
	put_xsdt(&mem, XSDT_PHYS, standard64, 3);
	build_rsdp(&r, 0, XSDT_PHYS, 0); /* RSDT address pointing at an XSDT */
	cr_assert_eq(init_with(&r, ACPI_RSDP_V1_SIZE), ACPI_ERR_ROOT_SIGNATURE);
}

Test(acpi, unmappable_root_and_entries)
{
	struct acpi_rsdp r;
	build_rsdp(&r, 2, 0, 0x100000000ull); /* beyond the fake memory */
	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_ERR_MAP);

	put_standard_tables();
	const uint64_t entries[] = { FACP_PHYS, 0xfffffffff000ull, APIC_PHYS,
				     FAKE_MEM_SIZE - 10 /* header straddles the end */ };
	put_xsdt(&mem, XSDT_PHYS, entries, 4);
	build_rsdp(&r, 2, 0, XSDT_PHYS);
	cr_assert_eq(init_with(&r, sizeof(r)), ACPI_OK);
	cr_assert_eq(acpi.table_count, 4);
	cr_assert_eq(acpi.bad_tables, 2);
	expect_table("APIC", 0, APIC_PHYS);
	uint64_t phys;
	const struct acpi_sdt_header *h;
	cr_assert_eq(acpi_table_at(&acpi, 1, &phys, &h), ACPI_ERR_MAP);
	cr_assert_eq(acpi_table_at(&acpi, 3, &phys, &h), ACPI_ERR_MAP);
}

Test(acpi, find_by_index_among_same_signature)
{
	struct acpi_rsdp r;
	put_small(SSDT0_PHYS, "SSDT", "SSDT_ONE");
	put_small(APIC_PHYS, "APIC", NULL);
	put_small(SSDT1_PHYS, "SSDT", "SSDT_TWO");
	const uint32_t rsdt[] = { SSDT0_PHYS, APIC_PHYS, SSDT1_PHYS };
	put_rsdt(&mem, RSDT_PHYS, rsdt, 3);
	build_rsdp(&r, 0, RSDT_PHYS, 0);
	cr_assert_eq(init_with(&r, ACPI_RSDP_V1_SIZE), ACPI_OK);

	const struct acpi_sdt_header *h;
	cr_assert_eq(acpi_find_table(&acpi, "SSDT", 0, &h), ACPI_OK);
	cr_assert_eq(memcmp(h->oem_table_id, "SSDT_ONE", 8), 0);
	cr_assert_eq(acpi_find_table(&acpi, "SSDT", 1, &h), ACPI_OK);
	cr_assert_eq(memcmp(h->oem_table_id, "SSDT_TWO", 8), 0);
	cr_assert_eq(acpi_find_table(&acpi, "SSDT", 2, &h), ACPI_ERR_NOT_FOUND);
}

Test(acpi, strerror_names_every_code)
{
	for (int e = 0; e < ACPI_ERR_COUNT; e++) {
		const char *s = acpi_strerror((enum acpi_error)e);
		cr_assert_not_null(s, "code %d", e);
		cr_assert_str_neq(s, "unknown ACPI error", "code %d has no name", e);
		for (int f = 0; f < e; f++)
			cr_assert_str_neq(s, acpi_strerror((enum acpi_error)f), "codes %d and %d", f, e);
	}
	cr_assert_str_eq(acpi_strerror(ACPI_ERR_COUNT), "unknown ACPI error");
	cr_assert_str_eq(acpi_strerror((enum acpi_error)-1), "unknown ACPI error");
}

/* BIOS-area scan --------------------------------------------------------- */

static void put_rsdp_at(uint64_t phys, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	struct acpi_rsdp r;
	build_rsdp(&r, revision, rsdt, xsdt);
	memcpy(mem.bytes + phys, &r, revision >= 2 ? sizeof(r) : ACPI_RSDP_V1_SIZE);
}

static void set_ebda(uint64_t phys)
{
	uint16_t segment = (uint16_t)(phys >> 4);
	memcpy(mem.bytes + ACPI_BDA_EBDA_SEGMENT, &segment, sizeof(segment));
}

Test(acpi, bios_scan_finds_rsdp_in_rom_area)
{
	struct acpi_rsdp_location loc;
	put_rsdp_at(0xf5a50, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_OK);
	cr_assert_eq(loc.phys, 0xf5a50);
	cr_assert_eq(loc.size, ACPI_RSDP_V1_SIZE);
	cr_assert_eq(acpi_rsdp_validate(loc.rsdp, loc.size), ACPI_OK);

	/* The location feeds acpi_init directly. */
	put_standard_tables();
	put_rsdt(&mem, RSDT_PHYS, standard32, 3);
	cr_assert_eq(init_with(loc.rsdp, loc.size), ACPI_OK);
	expect_table("APIC", 0, APIC_PHYS);
}

Test(acpi, bios_scan_prefers_ebda_and_takes_revision_2)
{
	struct acpi_rsdp_location loc;
	set_ebda(EBDA_PHYS);
	/* The last slot whose 20-byte head lies inside the first KiB. */
	put_rsdp_at(EBDA_PHYS + 0x3e0, 2, RSDT_PHYS, XSDT_PHYS);
	put_rsdp_at(0xe0000, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_OK);
	cr_assert_eq(loc.phys, EBDA_PHYS + 0x3e0);
	cr_assert_eq(loc.size, ACPI_RSDP_V2_SIZE);
	cr_assert_eq(((const struct acpi_rsdp *)loc.rsdp)->xsdt_address, XSDT_PHYS);
}

Test(acpi, bios_scan_searches_only_the_first_kib_of_the_ebda)
{
	struct acpi_rsdp_location loc;
	set_ebda(EBDA_PHYS - 0x1000);
	put_rsdp_at(EBDA_PHYS - 0x1000 + 1024, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);
	/* Straddling the end of the KiB is outside it too. */
	put_rsdp_at(EBDA_PHYS - 0x1000 + 1008, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);
	/* A segment of 0 means no EBDA: low memory is not searched. */
	set_ebda(0);
	put_rsdp_at(0x0, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);
}

Test(acpi, bios_scan_ignores_an_ebda_outside_conventional_memory)
{
	struct acpi_rsdp_location loc;
	put_rsdp_at(0xa0000, 0, RSDT_PHYS, 0);
	set_ebda(0xa0000);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);
	put_rsdp_at(0x100000, 0, RSDT_PHYS, 0);
	set_ebda(0xffff0); /* would run the search past 1 MiB */
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);
}

Test(acpi, bios_scan_ignores_bad_checksums_and_misalignment)
{
	struct acpi_rsdp_location loc;
	set_ebda(EBDA_PHYS);
	put_rsdp_at(EBDA_PHYS, 0, RSDT_PHYS, 0);
	mem.bytes[EBDA_PHYS + 8]++; /* bad checksum */
	put_rsdp_at(0xe0008, 0, RSDT_PHYS, 0); /* valid but not on a 16-byte boundary */
	put_rsdp_at(0xe1000, 2, RSDT_PHYS, XSDT_PHYS);
	mem.bytes[0xe1000 + 35]++; /* bad extended checksum only */
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);

	put_rsdp_at(0xffff0 - 16, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_OK);
	cr_assert_eq(loc.phys, 0xffff0 - 16);
}

Test(acpi, bios_scan_rsdp_in_last_rom_slot)
{
	struct acpi_rsdp_location loc;
	/* A 20-byte RSDP at 0xFFFF0 would end past 1 MiB: the spec's area ends at
	 * 0xFFFFF, so the last candidate whose head fits is 0xFFFE0. */
	put_rsdp_at(0xfffe0, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_OK);
	cr_assert_eq(loc.phys, 0xfffe0);
}

Test(acpi, bios_scan_skips_revision_2_with_a_bad_length)
{
	struct acpi_rsdp_location loc;
	put_rsdp_at(0xe0000, 2, RSDT_PHYS, XSDT_PHYS);
	struct acpi_rsdp *r = (struct acpi_rsdp *)(mem.bytes + 0xe0000);
	r->length = 20; /* below 36; the 20-byte checksum does not cover it */
	put_rsdp_at(0xe0100, 2, RSDT_PHYS, XSDT_PHYS);
	r = (struct acpi_rsdp *)(mem.bytes + 0xe0100);
	r->length = 0xfffffff0u; /* absurd */
	put_rsdp_at(0xe0200, 2, RSDT_PHYS, XSDT_PHYS);
	r = (struct acpi_rsdp *)(mem.bytes + 0xe0200);
	r->length = ACPI_TABLE_MAX_LENGTH; /* plausible but past the memory: unmappable */
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);
	put_rsdp_at(0xe0300, 2, RSDT_PHYS, XSDT_PHYS);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_OK);
	cr_assert_eq(loc.phys, 0xe0300);
}

static const void *refuse_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	(void)phys;
	(void)len;
	return NULL;
}

Test(acpi, bios_scan_with_an_unmappable_bios_area)
{
	struct acpi_rsdp_location loc;
	put_rsdp_at(0xe0000, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_scan_bios(refuse_map, &mem, &loc), ACPI_ERR_NO_RSDP);
}

Test(acpi, bios_scan_with_nothing_there)
{
	struct acpi_rsdp_location loc;
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);
}

/* FADT -------------------------------------------------------------------- */

static struct acpi_sdt_header *make_fadt(uint8_t revision, size_t length, struct fadt *f)
{
	struct table_builder t;
	tb_init(&t);
	tb_put(&t, (const uint8_t *)f + sizeof(struct acpi_sdt_header), length - sizeof(struct acpi_sdt_header));
	return make_table("FACP", revision, &t);
}

Test(acpi, fadt_v1_pm_tmr_blk_only)
{
	struct fadt f;
	memset(&f, 0, sizeof(f));
	f.pm_tmr_blk = 0x608;
	f.pm_tmr_len = 4;
	/* Bytes beyond a v1 table: must not be read. make_fadt copies only 116. */
	f.x_pm_tmr_blk.address = 0xdead;
	f.flags = FADT_FLAG_RESET_REG_SUP;
	struct acpi_sdt_header *t = make_fadt(1, FADT_V1_LENGTH, &f);
	struct fadt_info info;

	cr_assert_eq(fadt_parse(t, &info), ACPI_OK);
	cr_assert_eq(info.revision, 1);
	cr_assert(info.pm_timer.present);
	cr_assert_not(info.pm_timer.from_x_block);
	cr_assert_eq(info.pm_timer.address_space, ACPI_GAS_SYSTEM_IO);
	cr_assert_eq(info.pm_timer.address, 0x608);
	cr_assert_eq(info.pm_timer.bits, 24);
	cr_assert_not(info.reset.present, "RESET_REG lies beyond a v1 table");
	free(t);
}

Test(acpi, fadt_v6_prefers_x_pm_tmr_blk)
{
	struct fadt f;
	memset(&f, 0, sizeof(f));
	f.pm_tmr_blk = 0x608;
	f.pm_tmr_len = 4;
	f.flags = FADT_FLAG_TMR_VAL_EXT | FADT_FLAG_RESET_REG_SUP;
	f.x_pm_tmr_blk = (struct acpi_gas){ .address_space_id = ACPI_GAS_SYSTEM_IO,
					    .register_bit_width = 32, .address = 0xb008 };
	f.reset_reg = (struct acpi_gas){ .address_space_id = ACPI_GAS_SYSTEM_IO,
					 .register_bit_width = 8, .address = 0xcf9 };
	f.reset_value = 0x0f;
	struct acpi_sdt_header *t = make_fadt(6, sizeof(f), &f);
	struct fadt_info info;

	cr_assert_eq(fadt_parse(t, &info), ACPI_OK);
	cr_assert(info.pm_timer.present);
	cr_assert(info.pm_timer.from_x_block);
	cr_assert_eq(info.pm_timer.address, 0xb008);
	cr_assert_eq(info.pm_timer.bits, 32);
	cr_assert(info.reset.present);
	cr_assert_eq(info.reset.reg.address, 0xcf9);
	cr_assert_eq(info.reset.value, 0x0f);
	free(t);

	/* RESET_REG_SUP with a zero address: nothing to write to. */
	f.reset_reg.address = 0;
	t = make_fadt(6, sizeof(f), &f);
	cr_assert_eq(fadt_parse(t, &info), ACPI_OK);
	cr_assert_not(info.reset.present);
	free(t);
	f.reset_reg.address = 0xcf9;

	/* A memory-mapped timer block is reported as such. */
	f.x_pm_tmr_blk.address_space_id = ACPI_GAS_SYSTEM_MEMORY;
	f.x_pm_tmr_blk.address = 0xfed80008;
	t = make_fadt(6, sizeof(f), &f);
	cr_assert_eq(fadt_parse(t, &info), ACPI_OK);
	cr_assert_eq(info.pm_timer.address_space, ACPI_GAS_SYSTEM_MEMORY);
	cr_assert_eq(info.pm_timer.address, 0xfed80008);
	free(t);
}

Test(acpi, fadt_x_block_zero_or_unusable_falls_back_to_pm_tmr_blk)
{
	struct fadt f;
	memset(&f, 0, sizeof(f));
	f.pm_tmr_blk = 0x408;
	f.pm_tmr_len = 4;
	struct acpi_sdt_header *t = make_fadt(3, 244, &f);
	struct fadt_info info;
	cr_assert_eq(fadt_parse(t, &info), ACPI_OK);
	cr_assert(info.pm_timer.present);
	cr_assert_not(info.pm_timer.from_x_block);
	cr_assert_eq(info.pm_timer.address, 0x408);
	free(t);

	f.x_pm_tmr_blk = (struct acpi_gas){ .address_space_id = 2 /* PCI config */, .address = 0x1234 };
	t = make_fadt(3, 244, &f);
	cr_assert_eq(fadt_parse(t, &info), ACPI_OK);
	cr_assert_not(info.pm_timer.from_x_block);
	cr_assert_eq(info.pm_timer.address, 0x408);
	free(t);

	/* PM_TMR_LEN other than 4 means no timer. */
	f.pm_tmr_len = 0;
	t = make_fadt(3, 244, &f);
	cr_assert_eq(fadt_parse(t, &info), ACPI_OK);
	cr_assert_not(info.pm_timer.present);
	free(t);
}

Test(acpi, fadt_hw_reduced_has_no_pm_timer)
{
	struct fadt f;
	memset(&f, 0, sizeof(f));
	f.flags = FADT_FLAG_HW_REDUCED_ACPI;
	f.x_pm_tmr_blk = (struct acpi_gas){ .address_space_id = ACPI_GAS_SYSTEM_IO, .address = 0x608 };
	struct acpi_sdt_header *t = make_fadt(6, sizeof(f), &f);
	struct fadt_info info;
	cr_assert_eq(fadt_parse(t, &info), ACPI_OK);
	cr_assert(info.hw_reduced);
	cr_assert_not(info.pm_timer.present);
	free(t);
}

Test(acpi, fadt_short_or_wrong_signature)
{
	struct fadt f;
	memset(&f, 0, sizeof(f));
	struct acpi_sdt_header *t = make_fadt(1, FADT_V1_LENGTH - 4, &f);
	struct fadt_info info;
	cr_assert_eq(fadt_parse(t, &info), ACPI_ERR_TABLE_SHORT);
	free(t);

	struct table_builder b;
	tb_init(&b);
	tb_put(&b, (const uint8_t *)&f + 36, sizeof(f) - 36);
	t = make_table("FACS", 1, &b);
	cr_assert_eq(fadt_parse(t, &info), ACPI_ERR_SIGNATURE);
	free(t);
}

/* HPET -------------------------------------------------------------------- */

static struct acpi_sdt_header *make_hpet(uint32_t block_id, uint8_t space, uint64_t base,
					 size_t length)
{
	struct hpet_table h;
	memset(&h, 0, sizeof(h));
	h.event_timer_block_id = block_id;
	h.base_address = (struct acpi_gas){ .address_space_id = space, .register_bit_width = 64,
					    .address = base };
	h.hpet_number = 0;
	h.min_clock_tick = 0x80;
	struct table_builder t;
	tb_init(&t);
	tb_put(&t, (const uint8_t *)&h + 36, length - 36);
	return make_table("HPET", 1, &t);
}

Test(acpi, hpet_base_and_block_id)
{
	/* QEMU's: vendor 8086, legacy capable, 64-bit, 3 comparators, rev 1. */
	struct acpi_sdt_header *t = make_hpet(0x8086a201, ACPI_GAS_SYSTEM_MEMORY, 0xfed00000, 56);
	struct hpet_info info;
	cr_assert_eq(hpet_parse(t, &info), ACPI_OK);
	cr_assert_eq(info.base, 0xfed00000);
	cr_assert_eq(info.comparators, 3);
	cr_assert(info.counter_64bit);
	cr_assert(info.legacy_replacement);
	cr_assert_eq(info.vendor_id, 0x8086);
	cr_assert_eq(info.min_clock_tick, 0x80);
	free(t);
}

Test(acpi, hpet_rejects_io_space_zero_base_short_table)
{
	struct hpet_info info;
	struct acpi_sdt_header *t = make_hpet(0x8086a201, ACPI_GAS_SYSTEM_IO, 0xfed00000, 56);
	cr_assert_eq(hpet_parse(t, &info), ACPI_ERR_ADDRESS_SPACE);
	free(t);
	t = make_hpet(0x8086a201, ACPI_GAS_SYSTEM_MEMORY, 0, 56);
	cr_assert_eq(hpet_parse(t, &info), ACPI_ERR_ADDRESS_SPACE);
	free(t);
	t = make_hpet(0x8086a201, ACPI_GAS_SYSTEM_MEMORY, 0xfed00000, 52);
	cr_assert_eq(hpet_parse(t, &info), ACPI_ERR_TABLE_SHORT);
	free(t);
	t = make_hpet(0x8086a201, ACPI_GAS_SYSTEM_MEMORY, 0xfed00000, 56);
	memcpy(t->signature, "HPEX", 4);
	cr_assert_eq(hpet_parse(t, &info), ACPI_ERR_SIGNATURE);
	free(t);
}
