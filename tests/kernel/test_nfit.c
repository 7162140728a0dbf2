/*
 * Host tests of the NFIT parser: persistent-memory SPA ranges are returned,
 * everything else is stepped over, malformed structures are refused.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_builder.h"
#include "firmware/nfit.h"

static const struct acpi_guid guid_pm = NFIT_GUID_PERSISTENT_MEMORY;
static const struct acpi_guid guid_volatile = NFIT_GUID_VOLATILE_MEMORY;

static struct table_builder body;
static struct nfit_info info;

static void begin(void)
{
	tb_init(&body);
	tb_u32(&body, 0); /* reserved */
}

static void spa(uint16_t index, uint16_t flags, uint32_t proximity, const struct acpi_guid *type,
		uint64_t base, uint64_t length)
{
	tb_u16(&body, NFIT_TYPE_SPA_RANGE);
	tb_u16(&body, 56);
	tb_u16(&body, index);
	tb_u16(&body, flags);
	tb_u32(&body, 0);
	tb_u32(&body, proximity);
	tb_put(&body, type, sizeof(*type));
	tb_u64(&body, base);
	tb_u64(&body, length);
	tb_u64(&body, 0x8008); /* EFI_MEMORY_WB | EFI_MEMORY_NV */
}

/* Type 1 (NVDIMM region mapping), 48 bytes, contents irrelevant here. */
static void region_mapping(void)
{
	tb_u16(&body, 1);
	tb_u16(&body, 48);
	for (int i = 0; i < 44; i++)
		tb_u8(&body, 0xa5);
}

static enum acpi_error parse(void)
{
	struct acpi_sdt_header *t = make_table("NFIT", 1, &body);
	enum acpi_error err = nfit_parse(t, &info);
	free(t);
	return err;
}

Test(nfit, guid_bytes_as_stored_in_tables)
{
	/* 66F0D379-B4F3-4074-AC43-0D3318B78CDB in the mixed-endian byte order of tables. */
	const uint8_t bytes[16] = { 0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4, 0x74, 0x40,
				    0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb };
	cr_assert_eq(memcmp(&guid_pm, bytes, 16), 0);
}

Test(nfit, only_persistent_ranges_are_returned)
{
	begin();
	spa(1, 0, 0, &guid_volatile, 0x100000000ull, 0x40000000ull);
	region_mapping();
	spa(2, NFIT_SPA_FLAG_PROXIMITY_VALID, 1, &guid_pm, 0x140000000ull, 0x20000000ull);
	cr_assert_eq(parse(), ACPI_OK);
	cr_assert_eq(info.range_count, 1);
	cr_assert_eq(info.ranges[0].base, 0x140000000ull);
	cr_assert_eq(info.ranges[0].length, 0x20000000ull);
	cr_assert_eq(info.ranges[0].range_index, 2);
	cr_assert(info.ranges[0].proximity_valid);
	cr_assert_eq(info.ranges[0].proximity_domain, 1);
	cr_assert_eq(info.other_ranges, 1);
}

Test(nfit, no_ranges)
{
	begin();
	cr_assert_eq(parse(), ACPI_OK);
	cr_assert_eq(info.range_count, 0);
}

Test(nfit, empty_or_wrapping_ranges_are_skipped)
{
	begin();
	spa(1, 0, 0, &guid_pm, 0x140000000ull, 0);
	spa(2, 0, 0, &guid_pm, 0xffffffffffff0000ull, 0x20000);
	spa(3, 0, 0, &guid_pm, 0x180000000ull, 0x1000);
	cr_assert_eq(parse(), ACPI_OK);
	cr_assert_eq(info.range_count, 1);
	cr_assert_eq(info.ranges[0].range_index, 3);
	cr_assert_eq(info.empty_ranges, 2);
}

Test(nfit, more_ranges_than_the_table_holds)
{
	begin();
	for (uint16_t i = 0; i < NFIT_RANGES_MAX + 1; i++)
		spa(i, 0, 0, &guid_pm, 0x100000000ull * (i + 1), 0x10000000ull);
	cr_assert_eq(parse(), ACPI_ERR_TOO_MANY);
	cr_assert_eq(info.range_count, NFIT_RANGES_MAX);
	cr_assert_eq(info.dropped_ranges, 1);
	cr_assert_eq(info.ranges[NFIT_RANGES_MAX - 1].range_index, NFIT_RANGES_MAX - 1);
}

Test(nfit, structure_length_zero_or_short)
{
	begin();
	spa(1, 0, 0, &guid_pm, 0x140000000ull, 0x1000);
	tb_u16(&body, 6);
	tb_u16(&body, 0); /* length 0 */
	tb_u32(&body, 0);
	cr_assert_eq(parse(), ACPI_ERR_ENTRY_LENGTH);

	/* An SPA range cut to 40 bytes: its base and length would be read past it. */
	begin();
	tb_u16(&body, NFIT_TYPE_SPA_RANGE);
	tb_u16(&body, 40);
	for (int i = 0; i < 36; i++)
		tb_u8(&body, 0);
	spa(2, 0, 0, &guid_pm, 0x140000000ull, 0x1000);
	cr_assert_eq(parse(), ACPI_ERR_ENTRY_LENGTH);
}

Test(nfit, structure_past_the_table_end)
{
	begin();
	spa(1, 0, 0, &guid_pm, 0x140000000ull, 0x1000);
	body.len -= 8; /* the last structure loses its tail */
	cr_assert_eq(parse(), ACPI_ERR_ENTRY_OVERRUN);

	begin();
	tb_u16(&body, 0); /* two bytes: not a structure header */
	cr_assert_eq(parse(), ACPI_ERR_ENTRY_OVERRUN);
}

Test(nfit, wrong_signature_or_short_table)
{
	tb_init(&body);
	struct acpi_sdt_header *t = make_table("NFIT", 1, &body);
	cr_assert_eq(nfit_parse(t, &info), ACPI_ERR_TABLE_SHORT);
	free(t);
	begin();
	t = make_table("NFIX", 1, &body);
	cr_assert_eq(nfit_parse(t, &info), ACPI_ERR_SIGNATURE);
	free(t);
}

Test(nfit, found_through_the_acpi_walk)
{
	struct fake_mem mem;
	struct acpi acpi;
	struct acpi_rsdp r;
	fake_mem_init(&mem);

	begin();
	spa(0, 0, 0, &guid_volatile, 0x100000000ull, 0x40000000ull);
	spa(1, 0, 0, &guid_pm, 0x140000000ull, 0x40000000ull);
	put_table(&mem, 0x200000, "NFIT", 1, NULL, &body);
	const uint32_t rsdt[] = { 0x200000 };
	put_rsdt(&mem, 0x100000, rsdt, 1);
	build_rsdp(&r, 0, 0x100000, 0);
	cr_assert_eq(acpi_init(&acpi, fake_mem_map, &mem, &r, ACPI_RSDP_V1_SIZE), ACPI_OK);

	const struct acpi_sdt_header *t;
	cr_assert_eq(acpi_find_table(&acpi, NFIT_SIGNATURE, 0, &t), ACPI_OK);
	cr_assert_eq(nfit_parse(t, &info), ACPI_OK);
	cr_assert_eq(info.range_count, 1);
	cr_assert_eq(info.ranges[0].base, 0x140000000ull);
	fake_mem_free(&mem);
}
