/*
 * Host tests of the ACPI root: RSDP checks, the RSDT/XSDT walk, table
 * checks and lookup, on crafted tables in a fake memory (the BIOS-area scan:
 * test_acpi_scan.c; FADT and HPET: test_fadt_hpet.c).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_root_fixture.h"

TestSuite(acpi, .init = setup, .fini = teardown);

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
