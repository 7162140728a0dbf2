/*
 * Corrupted tables, many of them: random byte flips in valid tables (checksums
 * re-fixed half of the time, so the parsers behind the checksum see them too).
 * Every result must be ACPI_OK or a defined error, the outputs must keep their
 * invariants, and under ASan no read may leave a mapped range. Fixed seeds:
 * a failure reproduces.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_builder.h"
#include "firmware/acpi.h"
#include "firmware/fadt.h"
#include "firmware/hpet.h"
#include "firmware/madt.h"
#include "firmware/nfit.h"
#include "rand.h"

#define ROUNDS 3000

static uint64_t rng_state;

static uint32_t rng(void)
{
	return (uint32_t)(xorshift64s(&rng_state) >> 32);
}

/* Flip 1-4 random bytes of buf[from, len); fix the table checksum half the time. */
static void mutate(uint8_t *buf, size_t from, size_t len, bool is_table)
{
	int flips = 1 + (int)(rng() % 4);
	for (int i = 0; i < flips; i++) {
		size_t at = from + rng() % (len - from);
		buf[at] = (uint8_t)(rng() & 1 ? rng() : buf[at] ^ (1u << (rng() % 8)));
	}
	if (is_table && (rng() & 1)) {
		struct acpi_sdt_header *h = (struct acpi_sdt_header *)buf;
		h->checksum = 0;
		size_t n = h->length < len ? h->length : len;
		h->checksum = (uint8_t)(0u - acpi_checksum(buf, n));
	}
}

static void check_madt(const struct madt_info *m, enum acpi_error err, uint32_t bsp)
{
	if (err != ACPI_OK && err != ACPI_ERR_TOO_MANY)
		return;
	cr_assert(m->cpu_count >= 1 && m->cpu_count <= MADT_CPUS_MAX);
	cr_assert_eq(m->cpus[0].apic_id, bsp);
	cr_assert(m->ioapic_count <= MADT_IOAPICS_MAX);
	for (size_t i = 0; i < m->cpu_count; i++) {
		cr_assert(m->cpus[i].apic_id <= m->max_apic_id);
		for (size_t j = 0; j < i; j++)
			cr_assert_neq(m->cpus[i].apic_id, m->cpus[j].apic_id, "duplicate id kept");
	}
}

Test(acpi_fuzz, madt_mutations)
{
	static struct madt_info info;
	struct table_builder body;
	rng_state = 0x9e3779b97f4a7c15ull;

	for (int round = 0; round < ROUNDS; round++) {
		tb_init(&body);
		tb_u32(&body, 0xfee00000u);
		tb_u32(&body, 1);
		for (uint32_t i = 0; i < 12; i++) {
			const uint8_t lapic[8] = { 0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0 };
			const uint8_t x2[16] = { 9, 16, 0, 0, (uint8_t)(i + 0x10), 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
			tb_put(&body, lapic, sizeof(lapic));
			tb_put(&body, x2, sizeof(x2));
		}
		const uint8_t io[12] = { 1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0 };
		tb_put(&body, io, sizeof(io));
		struct acpi_sdt_header *t = make_table("APIC", 5, &body);
		size_t len = t->length;
		/* Mutate the entries only: a broken length is acpi_map_table's job. */
		mutate((uint8_t *)t, sizeof(struct madt_header), len, true);
		enum acpi_error err = madt_parse(t, 0, &info);
		cr_assert(err >= ACPI_OK && err < ACPI_ERR_COUNT);
		check_madt(&info, err, 0);
		free(t);
	}
}

Test(acpi_fuzz, nfit_fadt_hpet_mutations)
{
	static struct nfit_info nfit;
	struct fadt_info fadt;
	struct hpet_info hpet;
	struct table_builder body;
	const struct acpi_guid pm = NFIT_GUID_PERSISTENT_MEMORY;
	rng_state = 0x243f6a8885a308d3ull;

	for (int round = 0; round < ROUNDS; round++) {
		tb_init(&body);
		tb_u32(&body, 0);
		for (int i = 0; i < 3; i++) {
			struct nfit_spa_range spa = { .h = { 0, 56 }, .range_index = (uint16_t)i,
						      .range_type = pm, .base = 0x100000000ull * (i + 1),
						      .length = 1u << 26 };
			tb_put(&body, &spa, sizeof(spa));
		}
		struct acpi_sdt_header *t = make_table("NFIT", 1, &body);
		mutate((uint8_t *)t, sizeof(struct nfit_header), t->length, true);
		enum acpi_error err = nfit_parse(t, &nfit);
		cr_assert(err >= ACPI_OK && err < ACPI_ERR_COUNT);
		cr_assert(nfit.range_count <= NFIT_RANGES_MAX);
		for (size_t i = 0; i < nfit.range_count; i++)
			cr_assert(nfit.ranges[i].length && nfit.ranges[i].base + nfit.ranges[i].length > nfit.ranges[i].base);
		free(t);

		/* FADT of a random revision's length; any field may be garbage. */
		static const size_t fadt_lengths[] = { FADT_V1_LENGTH, 129, 220, 244, 276 };
		size_t flen = fadt_lengths[rng() % 5];
		tb_init(&body);
		for (size_t i = sizeof(struct acpi_sdt_header); i < flen; i++)
			tb_u8(&body, (uint8_t)rng());
		t = make_table("FACP", 6, &body);
		err = fadt_parse(t, &fadt);
		cr_assert_eq(err, ACPI_OK);
		if (fadt.pm_timer.present)
			cr_assert(fadt.pm_timer.bits == 24 || fadt.pm_timer.bits == 32);
		free(t);

		tb_init(&body);
		for (size_t i = sizeof(struct acpi_sdt_header); i < sizeof(struct hpet_table); i++)
			tb_u8(&body, (uint8_t)(rng() % 3 ? 0 : rng()));
		t = make_table("HPET", 1, &body);
		err = hpet_parse(t, &hpet);
		cr_assert(err == ACPI_OK || err == ACPI_ERR_ADDRESS_SPACE);
		if (err == ACPI_OK)
			cr_assert(hpet.base && hpet.comparators >= 1 && hpet.comparators <= 32);
		free(t);
	}
}

/* The whole walk on a corrupted RSDT/XSDT and table headers in fake memory. */
Test(acpi_fuzz, root_walk_mutations)
{
	static struct fake_mem mem;
	static struct madt_info madt;
	struct table_builder body;
	rng_state = 0xb7e151628aed2a6bull;
	fake_mem_init(&mem);

	const uint64_t tables[] = { 0x102000, 0x103000, 0x104000, 0x105000 };
	const char *const sigs[] = { "FACP", "APIC", "HPET", "SSDT" };
	for (int round = 0; round < ROUNDS; round++) {
		memset(mem.bytes + 0x100000, 0, 0x8000);
		for (int i = 0; i < 4; i++) {
			tb_init(&body);
			if (i == 1) {
				tb_u32(&body, 0xfee00000u);
				tb_u32(&body, 0);
				const uint8_t lapic[8] = { 0, 8, 0, 0, 1, 0, 0, 0 };
				tb_put(&body, lapic, sizeof(lapic));
			} else {
				for (int k = 0; k < 240; k++)
					tb_u8(&body, (uint8_t)k);
			}
			put_table(&mem, tables[i], sigs[i], 1, NULL, &body);
		}
		put_xsdt(&mem, 0x101000, tables, 4);
		uint32_t tables32[4];
		for (int i = 0; i < 4; i++)
			tables32[i] = (uint32_t)tables[i];
		put_rsdt(&mem, 0x100000, tables32, 4);

		/* Corrupt the root or one table's header (length, signature, checksum). */
		uint64_t victim = rng() % 3 ? tables[rng() % 4] : (rng() & 1 ? 0x100000 : 0x101000);
		mutate(mem.bytes + victim, 0, sizeof(struct acpi_sdt_header) + 16, true);

		struct acpi_rsdp r;
		build_rsdp(&r, 2, 0x100000, 0x101000);
		struct acpi acpi;
		enum acpi_error err = acpi_init(&acpi, fake_mem_map, &mem, &r, sizeof(r));
		cr_assert(err >= ACPI_OK && err < ACPI_ERR_COUNT);
		if (err == ACPI_OK) {
			cr_assert(acpi.bad_tables <= acpi.table_count);
			for (size_t i = 0; i < acpi.table_count; i++) {
				uint64_t phys;
				const struct acpi_sdt_header *t;
				if (acpi_table_at(&acpi, i, &phys, &t) == ACPI_OK)
					cr_assert_eq(acpi_checksum(t, t->length), 0);
			}
			const struct acpi_sdt_header *t;
			if (acpi_find_table(&acpi, MADT_SIGNATURE, 0, &t) == ACPI_OK)
				check_madt(&madt, madt_parse(t, 0, &madt), 0);
		}
		fake_mem_unmap_all(&mem);
	}
	fake_mem_free(&mem);
}
