/*
 * Host tests of the tables the TSC calibration reads: the FADT (PM timer,
 * reset register, across its revisions) and the HPET table, crafted.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_builder.h"
#include "firmware/acpi.h"
#include "firmware/fadt.h"
#include "firmware/hpet.h"

static struct acpi_sdt_header *make_fadt(uint8_t revision, size_t length, struct fadt *f)
{
	struct table_builder t;
	tb_init(&t);
	tb_put(&t, (const uint8_t *)f + sizeof(struct acpi_sdt_header), length - sizeof(struct acpi_sdt_header));
	return make_table("FACP", revision, &t);
}

Test(fadt, fadt_v1_pm_tmr_blk_only)
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

Test(fadt, fadt_v6_prefers_x_pm_tmr_blk)
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

Test(fadt, fadt_x_block_zero_or_unusable_falls_back_to_pm_tmr_blk)
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

Test(fadt, fadt_hw_reduced_has_no_pm_timer)
{
	struct fadt f;
	memset(&f, 0, sizeof(f));
	f.flags = FADT_FLAG_HW_REDUCED_ACPI;
	f.x_pm_tmr_blk = (struct acpi_gas){ .address_space_id = ACPI_GAS_SYSTEM_IO, .address = 0x608 };
	struct acpi_sdt_header *t = make_fadt(6, sizeof(f), &f);
	struct fadt_info info;
	cr_assert_eq(fadt_parse(t, &info), ACPI_OK);
	cr_assert_not(info.pm_timer.present);
	free(t);
}

Test(fadt, fadt_short_or_wrong_signature)
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

Test(hpet, hpet_base_and_block_id)
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

Test(hpet, hpet_rejects_io_space_zero_base_short_table)
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
