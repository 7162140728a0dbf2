/*
 * Host tests of the BIOS-area scan for the RSDP (EBDA, then E0000-FFFFF;
 * ACPI 6.5, 5.2.5.1) on a fake memory.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "acpi_root_fixture.h"

TestSuite(acpi_scan, .init = setup, .fini = teardown);

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

Test(acpi_scan, bios_scan_finds_rsdp_in_rom_area)
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

Test(acpi_scan, bios_scan_prefers_ebda_and_takes_revision_2)
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

Test(acpi_scan, bios_scan_searches_only_the_first_kib_of_the_ebda)
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

Test(acpi_scan, bios_scan_ignores_an_ebda_outside_conventional_memory)
{
	struct acpi_rsdp_location loc;
	put_rsdp_at(0xa0000, 0, RSDT_PHYS, 0);
	set_ebda(0xa0000);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);
	put_rsdp_at(0x100000, 0, RSDT_PHYS, 0);
	set_ebda(0xffff0); /* would run the search past 1 MiB */
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);
}

Test(acpi_scan, bios_scan_ignores_bad_checksums_and_misalignment)
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

Test(acpi_scan, bios_scan_rsdp_in_last_rom_slot)
{
	struct acpi_rsdp_location loc;
	/* A 20-byte RSDP at 0xFFFF0 would end past 1 MiB: the spec's area ends at
	 * 0xFFFFF, so the last candidate whose head fits is 0xFFFE0. */
	put_rsdp_at(0xfffe0, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_OK);
	cr_assert_eq(loc.phys, 0xfffe0);
}

Test(acpi_scan, bios_scan_skips_revision_2_with_a_bad_length)
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

Test(acpi_scan, bios_scan_with_an_unmappable_bios_area)
{
	struct acpi_rsdp_location loc;
	put_rsdp_at(0xe0000, 0, RSDT_PHYS, 0);
	cr_assert_eq(acpi_scan_bios(refuse_map, &mem, &loc), ACPI_ERR_NO_RSDP);
}

Test(acpi_scan, bios_scan_with_nothing_there)
{
	struct acpi_rsdp_location loc;
	cr_assert_eq(acpi_scan_bios(fake_mem_map, &mem, &loc), ACPI_ERR_NO_RSDP);
}
