/*
 * Host tests of the MADT parser: xAPIC and x2APIC entries as QEMU and real
 * firmware lay them out, and every malformed entry the parser must refuse.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_builder.h"
#include "firmware/madt.h"

#define LAPIC_DEFAULT 0xfee00000u

static struct table_builder body;
static struct madt_info info;

static void begin(void)
{
	tb_init(&body);
	tb_u32(&body, LAPIC_DEFAULT);
	tb_u32(&body, MADT_PCAT_COMPAT);
}

static void lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	tb_u8(&body, MADT_TYPE_LOCAL_APIC);
	tb_u8(&body, 8);
	tb_u8(&body, uid);
	tb_u8(&body, id);
	tb_u32(&body, flags);
}

static void x2apic(uint32_t uid, uint32_t id, uint32_t flags)
{
	tb_u8(&body, MADT_TYPE_LOCAL_X2APIC);
	tb_u8(&body, 16);
	tb_u16(&body, 0);
	tb_u32(&body, id);
	tb_u32(&body, flags);
	tb_u32(&body, uid);
}

static void ioapic(uint8_t id, uint32_t address, uint32_t gsi_base)
{
	tb_u8(&body, MADT_TYPE_IO_APIC);
	tb_u8(&body, 12);
	tb_u8(&body, id);
	tb_u8(&body, 0);
	tb_u32(&body, address);
	tb_u32(&body, gsi_base);
}

/* Type 2, Interrupt Source Override: parsed by nobody, stepped over. */
static void source_override(uint8_t irq, uint32_t gsi)
{
	tb_u8(&body, 2);
	tb_u8(&body, 10);
	tb_u8(&body, 0);
	tb_u8(&body, irq);
	tb_u32(&body, gsi);
	tb_u16(&body, 0);
}

static enum acpi_error parse_rev(uint8_t revision, uint32_t bsp)
{
	struct acpi_sdt_header *t = make_table("APIC", revision, &body);
	enum acpi_error err = madt_parse(t, bsp, &info);
	free(t);
	return err;
}

static enum acpi_error parse(uint32_t bsp) { return parse_rev(4, bsp); }

static void expect_ids(const uint32_t *ids, size_t n)
{
	cr_assert_eq(info.cpu_count, n, "cpu_count %zu, expected %zu", info.cpu_count, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(info.cpus[i].apic_id, ids[i], "cpu %zu: apic id %u, expected %u", i,
			     info.cpus[i].apic_id, ids[i]);
}

Test(madt, qemu_like_four_cpus)
{
	begin();
	for (uint8_t i = 0; i < 4; i++)
		lapic(i, i, MADT_LAPIC_ENABLED);
	ioapic(0, 0xfec00000, 0);
	source_override(0, 2);
	source_override(9, 9);
	cr_assert_eq(parse(0), ACPI_OK);

	const uint32_t ids[] = { 0, 1, 2, 3 };
	expect_ids(ids, 4);
	cr_assert_eq(info.local_apic_address, LAPIC_DEFAULT);
	cr_assert_not(info.local_apic_overridden);
	cr_assert(info.pcat_compat);
	cr_assert_eq(info.max_apic_id, 3);
	cr_assert_not(info.needs_x2apic);
	cr_assert_eq(info.cpus[2].acpi_processor_uid, 2);
	cr_assert_not(info.cpus[2].x2apic_entry);
	cr_assert_eq(info.ioapic_count, 1);
	cr_assert_eq(info.ioapics[0].address, 0xfec00000);
	cr_assert_eq(info.ioapics[0].gsi_base, 0);
	cr_assert_eq(info.disabled + info.duplicates + info.online_capable + info.invalid_ids, 0);
}

Test(madt, bsp_is_cpu_0_wherever_it_is_listed)
{
	begin();
	for (uint8_t i = 0; i < 4; i++)
		lapic(i, i, MADT_LAPIC_ENABLED);
	cr_assert_eq(parse(2), ACPI_OK);
	const uint32_t ids[] = { 2, 0, 1, 3 };
	expect_ids(ids, 4);
}

Test(madt, sparse_apic_ids_get_dense_indices)
{
	begin();
	const uint8_t sparse[] = { 0, 2, 4, 6, 16, 18, 64, 130 };
	for (size_t i = 0; i < sizeof(sparse); i++)
		lapic((uint8_t)i, sparse[i], MADT_LAPIC_ENABLED);
	cr_assert_eq(parse(0), ACPI_OK);
	const uint32_t ids[] = { 0, 2, 4, 6, 16, 18, 64, 130 };
	expect_ids(ids, 8);
	cr_assert_eq(info.max_apic_id, 130);
}

/* Dense cpu indexes: the BSP is cpu 0 wherever the MADT lists it, the others in MADT order. */
Test(madt, bsp_first_then_madt_order)
{
	begin();
	const uint8_t sparse[] = { 0, 2, 4, 6 };
	for (size_t i = 0; i < sizeof(sparse); i++)
		lapic((uint8_t)i, sparse[i], MADT_LAPIC_ENABLED);
	x2apic(9, 300, MADT_LAPIC_ENABLED);
	cr_assert_eq(parse(4), ACPI_OK);
	const uint32_t ids[] = { 4, 0, 2, 6, 300 };
	expect_ids(ids, 5);
}

Test(madt, disabled_and_online_capable_are_not_started)
{
	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	lapic(1, 1, 0);
	lapic(2, 2, MADT_LAPIC_ONLINE_CAPABLE);
	x2apic(3, 300, MADT_LAPIC_ONLINE_CAPABLE);
	lapic(4, 4, MADT_LAPIC_ENABLED);

	/* ACPI 6.3+ (MADT revision 5): the bit means hot-pluggable. */
	cr_assert_eq(parse_rev(5, 0), ACPI_OK);
	const uint32_t ids[] = { 0, 4 };
	expect_ids(ids, 2);
	cr_assert_eq(info.disabled, 1);
	cr_assert_eq(info.online_capable, 2);
	cr_assert_not(info.needs_x2apic, "a CPU not started does not need x2APIC");

	/* Before ACPI 6.3, and in 6.2 errata B tables (revision 45), it is reserved. */
	cr_assert_eq(parse_rev(4, 0), ACPI_OK);
	cr_assert_eq(info.disabled, 3);
	cr_assert_eq(info.online_capable, 0);
	cr_assert_eq(parse_rev(45, 0), ACPI_OK);
	cr_assert_eq(info.disabled, 3);
	cr_assert_eq(info.online_capable, 0);
}

Test(madt, duplicate_apic_ids_are_ignored)
{
	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	lapic(1, 1, MADT_LAPIC_ENABLED);
	lapic(2, 1, MADT_LAPIC_ENABLED);      /* same id, same type */
	x2apic(3, 1, MADT_LAPIC_ENABLED);     /* same id, listed again as x2APIC */
	x2apic(4, 0, MADT_LAPIC_ENABLED);     /* the BSP again */
	lapic(5, 2, MADT_LAPIC_ENABLED);
	cr_assert_eq(parse(0), ACPI_OK);
	const uint32_t ids[] = { 0, 1, 2 };
	expect_ids(ids, 3);
	cr_assert_eq(info.duplicates, 3);
	cr_assert_eq(info.cpus[1].acpi_processor_uid, 1, "the first listing wins");
	cr_assert_not(info.cpus[1].x2apic_entry);
}

Test(madt, disabled_entry_does_not_hide_a_later_enabled_one)
{
	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	lapic(1, 1, 0);
	x2apic(1, 1, MADT_LAPIC_ENABLED);
	cr_assert_eq(parse(0), ACPI_OK);
	const uint32_t ids[] = { 0, 1 };
	expect_ids(ids, 2);
	cr_assert(info.cpus[1].x2apic_entry);
	cr_assert_eq(info.duplicates, 0);
}

/* QEMU with more than 255 CPUs: ids 0..254 as xAPIC entries, 255 and up as x2APIC. */
static void qemu_many(uint32_t n)
{
	begin();
	for (uint32_t i = 0; i < n; i++) {
		if (i < 255)
			lapic((uint8_t)i, (uint8_t)i, MADT_LAPIC_ENABLED);
		else
			x2apic(i, i, MADT_LAPIC_ENABLED);
	}
	ioapic(0, 0xfec00000, 0);
}

Test(madt, qemu_255_cpus_all_xapic)
{
	qemu_many(255);
	cr_assert_eq(parse(0), ACPI_OK);
	cr_assert_eq(info.cpu_count, 255);
	cr_assert_eq(info.max_apic_id, 254);
	cr_assert_not(info.needs_x2apic);
	for (uint32_t i = 0; i < 255; i++)
		cr_assert_eq(info.cpus[i].apic_id, i);
}

Test(madt, qemu_256_cpus_id_255_needs_x2apic)
{
	qemu_many(256);
	cr_assert_eq(parse(0), ACPI_OK);
	cr_assert_eq(info.cpu_count, 256);
	cr_assert_eq(info.max_apic_id, 255);
	cr_assert(info.needs_x2apic, "id 255 is xAPIC broadcast: only x2APIC can address it");
	cr_assert(info.cpus[255].x2apic_entry);
}

Test(madt, qemu_288_cpus_mixed_xapic_and_x2apic)
{
	qemu_many(288);
	cr_assert_eq(parse(0), ACPI_OK);
	cr_assert_eq(info.cpu_count, 288);
	cr_assert_eq(info.max_apic_id, 287);
	cr_assert(info.needs_x2apic);
	for (uint32_t i = 0; i < 288; i++) {
		cr_assert_eq(info.cpus[i].apic_id, i);
		cr_assert_eq(info.cpus[i].x2apic_entry, i >= 255);
	}
	cr_assert_eq(info.cpus[287].acpi_processor_uid, 287);
}

Test(madt, bsp_with_x2apic_id)
{
	qemu_many(288);
	cr_assert_eq(parse(270), ACPI_OK);
	cr_assert_eq(info.cpus[0].apic_id, 270);
	cr_assert(info.cpus[0].x2apic_entry);
	cr_assert_eq(info.cpus[1].apic_id, 0);
	cr_assert_eq(info.cpu_count, 288);
}

Test(madt, more_cpus_than_the_table_holds)
{
	/* 600 CPUs, the BSP listed last: it still gets cpus[0]. */
	begin();
	for (uint32_t i = 0; i < 600; i++)
		x2apic(i, 1000 + i, MADT_LAPIC_ENABLED);
	cr_assert_eq(parse(1599), ACPI_ERR_TOO_MANY);
	cr_assert_eq(info.cpu_count, MADT_CPUS_MAX);
	cr_assert_eq(info.cpus[0].apic_id, 1599);
	cr_assert_eq(info.cpus[1].apic_id, 1000);
	cr_assert_eq(info.cpus[MADT_CPUS_MAX - 1].apic_id, 1000 + MADT_CPUS_MAX - 2);
	cr_assert_eq(info.dropped_cpus, 600 - MADT_CPUS_MAX);
}

Test(madt, xapic_broadcast_id_is_not_a_cpu)
{
	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	lapic(1, 0xff, MADT_LAPIC_ENABLED);
	lapic(2, 0xff, 0); /* a placeholder for an empty socket: just disabled */
	cr_assert_eq(parse(0), ACPI_OK);
	cr_assert_eq(info.cpu_count, 1);
	cr_assert_eq(info.invalid_ids, 1);
	cr_assert_eq(info.disabled, 1);

	/* The x2APIC broadcast id likewise. */
	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	x2apic(1, 0xffffffffu, MADT_LAPIC_ENABLED);
	cr_assert_eq(parse(0), ACPI_OK);
	cr_assert_eq(info.cpu_count, 1);
	cr_assert_eq(info.invalid_ids, 1);
}

Test(madt, no_enabled_entry_for_the_bsp)
{
	begin();
	lapic(0, 0, 0);
	lapic(1, 1, MADT_LAPIC_ENABLED);
	cr_assert_eq(parse(0), ACPI_ERR_NO_BSP);
	cr_assert_eq(parse(7), ACPI_ERR_NO_BSP);
	cr_assert_eq(info.cpu_count, 0);
}

Test(madt, local_apic_address_override)
{
	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	tb_u8(&body, MADT_TYPE_LOCAL_APIC_OVERRIDE);
	tb_u8(&body, 12);
	tb_u16(&body, 0);
	tb_u64(&body, 0x1fee00000ull);
	cr_assert_eq(parse(0), ACPI_OK);
	cr_assert(info.local_apic_overridden);
	cr_assert_eq(info.local_apic_address, 0x1fee00000ull);
}

Test(madt, entry_length_zero_is_an_error_not_a_hang)
{
	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	tb_u8(&body, 4); /* type 4 (local APIC NMI) */
	tb_u8(&body, 0); /* length 0: stepping by it would loop forever */
	tb_u32(&body, 0);
	cr_assert_eq(parse(0), ACPI_ERR_ENTRY_LENGTH);

	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	tb_u8(&body, 0x7f); /* an unknown type */
	tb_u8(&body, 1);    /* shorter than the entry header */
	tb_u16(&body, 0);
	cr_assert_eq(parse(0), ACPI_ERR_ENTRY_LENGTH);
}

Test(madt, entry_shorter_than_its_type)
{
	begin();
	tb_u8(&body, MADT_TYPE_LOCAL_APIC);
	tb_u8(&body, 6);
	tb_u8(&body, 0);
	tb_u8(&body, 0);
	tb_u16(&body, MADT_LAPIC_ENABLED);
	cr_assert_eq(parse(0), ACPI_ERR_ENTRY_LENGTH);

	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	tb_u8(&body, MADT_TYPE_LOCAL_X2APIC);
	tb_u8(&body, 12);
	tb_put(&body, "\0\0\0\0\0\0\0\0\0\0", 10);
	cr_assert_eq(parse(0), ACPI_ERR_ENTRY_LENGTH);
}

Test(madt, entry_running_past_the_table_end)
{
	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	tb_u8(&body, MADT_TYPE_IO_APIC);
	tb_u8(&body, 12);
	tb_put(&body, "\0\0\0\0\0\0", 6); /* 8 of 12 bytes present */
	cr_assert_eq(parse(0), ACPI_ERR_ENTRY_OVERRUN);

	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	tb_u8(&body, 0); /* a lone trailing byte: not even an entry header */
	cr_assert_eq(parse(0), ACPI_ERR_ENTRY_OVERRUN);

	/* An entry longer than its type (a later revision's) is fine. */
	begin();
	tb_u8(&body, MADT_TYPE_LOCAL_APIC);
	tb_u8(&body, 10);
	tb_u8(&body, 0);
	tb_u8(&body, 0);
	tb_u32(&body, MADT_LAPIC_ENABLED);
	tb_u16(&body, 0xffff);
	lapic(1, 1, MADT_LAPIC_ENABLED);
	cr_assert_eq(parse(0), ACPI_OK);
	cr_assert_eq(info.cpu_count, 2);
}

Test(madt, too_many_ioapics_are_counted)
{
	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	for (uint8_t i = 0; i < MADT_IOAPICS_MAX + 2; i++)
		ioapic(i, 0xfec00000u + i * 0x1000u, i * 24u);
	cr_assert_eq(parse(0), ACPI_ERR_TOO_MANY);
	cr_assert_eq(info.ioapic_count, MADT_IOAPICS_MAX);
	cr_assert_eq(info.dropped_ioapics, 2);
	cr_assert_eq(info.cpu_count, 1);
}

Test(madt, wrong_signature_or_short_table)
{
	begin();
	lapic(0, 0, MADT_LAPIC_ENABLED);
	struct acpi_sdt_header *t = make_table("APIX", 4, &body);
	cr_assert_eq(madt_parse(t, 0, &info), ACPI_ERR_SIGNATURE);
	free(t);

	tb_init(&body);
	tb_u32(&body, LAPIC_DEFAULT); /* flags missing */
	cr_assert_eq(parse(0), ACPI_ERR_TABLE_SHORT);
}

Test(madt, found_through_the_acpi_walk)
{
	struct fake_mem mem;
	struct acpi acpi;
	struct acpi_rsdp r;
	fake_mem_init(&mem);

	qemu_many(64);
	put_table(&mem, 0x200000, "APIC", 5, NULL, &body);
	const uint64_t xsdt[] = { 0x200000 };
	put_xsdt(&mem, 0x100000, xsdt, 1);
	build_rsdp(&r, 2, 0, 0x100000);
	cr_assert_eq(acpi_init(&acpi, fake_mem_map, &mem, &r, sizeof(r)), ACPI_OK);

	const struct acpi_sdt_header *t;
	cr_assert_eq(acpi_find_table(&acpi, MADT_SIGNATURE, 0, &t), ACPI_OK);
	cr_assert_eq(madt_parse(t, 0, &info), ACPI_OK);
	cr_assert_eq(info.cpu_count, 64);
	cr_assert_eq(info.ioapic_count, 1);
	fake_mem_free(&mem);
}
