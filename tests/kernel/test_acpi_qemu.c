/*
 * The parsers on real tables: ACPI tables that QEMU 7.2 + SeaBIOS 1.16 built,
 * saved byte for byte from guest RAM by gen_acpi_fixtures.py. Machines:
 *   qemu_pc:           -machine pc  -smp 8                     (FADT rev 1: PM_TMR_BLK only)
 *   qemu_q35_hotplug:  -machine q35 -smp 4,maxcpus=8           (FADT rev 3: X_PM_TMR_BLK;
 *                                                               4 disabled hot-plug CPUs)
 *   qemu_pc_nvdimm:    -machine pc,nvdimm=on -smp 2 -m 128,slots=2,maxmem=1G
 *                      -object memory-backend-file,id=mem1,share=on,mem-path=nv.img,size=64M
 *                      -device nvdimm,id=nv1,memdev=mem1       (NFIT: one PM range at 4 GiB)
 * QEMU's tables sit at odd addresses (e.g. 0x7fe253d): unaligned reads are exercised.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/acpi.h"
#include "firmware/fadt.h"
#include "firmware/hpet.h"
#include "firmware/madt.h"
#include "firmware/nfit.h"

struct fixture_segment {
	uint64_t phys;
	uint32_t len;
	const uint8_t *bytes;
};

struct fixture {
	const struct fixture_segment *segments;
	size_t count;
};

#include "acpi_qemu_fixtures.h"

#define LOW_MEMORY (1u << 20)

/* Low memory (zeros, with the RSDP copied in) for the BIOS scan, and the
 * tables where they were; any other range is refused. */
struct fixture_mem {
	const struct fixture *fixture;
	uint8_t *low;
};

static const void *fixture_map(void *ctx, uint64_t phys, size_t len)
{
	struct fixture_mem *m = ctx;

	if (phys < LOW_MEMORY && len <= LOW_MEMORY - phys)
		return m->low + phys;
	for (size_t i = 0; i < m->fixture->count; i++) {
		const struct fixture_segment *s = &m->fixture->segments[i];
		if (phys >= s->phys && len <= s->len && phys - s->phys <= s->len - len)
			return s->bytes + (phys - s->phys);
	}
	return NULL;
}

static struct fixture_mem mem;
static struct acpi acpi;

static void boot(const struct fixture *f)
{
	mem.fixture = f;
	mem.low = calloc(1, LOW_MEMORY);
	cr_assert(mem.low);
	for (size_t i = 0; i < f->count; i++)
		if (f->segments[i].phys < LOW_MEMORY)
			memcpy(mem.low + f->segments[i].phys, f->segments[i].bytes, f->segments[i].len);

	struct acpi_rsdp_location loc;
	cr_assert_eq(acpi_scan_bios(fixture_map, &mem, &loc), ACPI_OK);
	cr_assert_eq(acpi_init(&acpi, fixture_map, &mem, loc.rsdp, loc.size), ACPI_OK);
	cr_assert_eq(acpi.bad_tables, 0);
}

static void teardown(void)
{
	free(mem.low);
}

TestSuite(acpi_qemu, .fini = teardown);

static const struct acpi_sdt_header *table(const char *signature)
{
	const struct acpi_sdt_header *t = NULL;
	enum acpi_error err = acpi_find_table(&acpi, signature, 0, &t);
	cr_assert_eq(err, ACPI_OK, "%s: %s", signature, acpi_strerror(err));
	return t;
}

Test(acpi_qemu, pc_seabios)
{
	boot(&qemu_pc);
	cr_assert_eq(acpi.revision, 0);
	cr_assert_not(acpi.xsdt);
	cr_assert_eq(acpi.table_count, 4);

	static struct madt_info madt;
	cr_assert_eq(madt_parse(table(MADT_SIGNATURE), 0, &madt), ACPI_OK);
	cr_assert_eq(madt.cpu_count, 8);
	for (uint32_t i = 0; i < 8; i++)
		cr_assert_eq(madt.cpus[i].apic_id, i);
	cr_assert_eq(madt.local_apic_address, 0xfee00000);
	cr_assert_eq(madt.ioapic_count, 1);
	cr_assert_eq(madt.ioapics[0].address, 0xfec00000);

	struct fadt_info fadt;
	cr_assert_eq(fadt_parse(table(FADT_SIGNATURE), &fadt), ACPI_OK);
	cr_assert_eq(fadt.revision, 1);
	cr_assert(fadt.pm_timer.present);
	cr_assert_not(fadt.pm_timer.from_x_block);
	cr_assert_eq(fadt.pm_timer.address_space, ACPI_GAS_SYSTEM_IO);
	cr_assert_eq(fadt.pm_timer.address, 0x608);
	cr_assert_eq(fadt.pm_timer.bits, 24);

	struct hpet_info hpet;
	cr_assert_eq(hpet_parse(table(HPET_SIGNATURE), &hpet), ACPI_OK);
	cr_assert_eq(hpet.base, 0xfed00000);
	cr_assert_eq(hpet.comparators, 3);
	cr_assert_eq(hpet.vendor_id, 0x8086);

	const struct acpi_sdt_header *t;
	cr_assert_eq(acpi_find_table(&acpi, NFIT_SIGNATURE, 0, &t), ACPI_ERR_NOT_FOUND);
}

Test(acpi_qemu, q35_with_hotplug_cpus)
{
	boot(&qemu_q35_hotplug);
	cr_assert_eq(acpi.table_count, 5);

	static struct madt_info madt;
	cr_assert_eq(madt_parse(table(MADT_SIGNATURE), 0, &madt), ACPI_OK);
	cr_assert_eq(madt.cpu_count, 4);
	cr_assert_eq(madt.disabled, 4, "maxcpus=8: four possible CPUs listed disabled");
	cr_assert_eq(madt.max_apic_id, 3);

	/* The BSP need not be APIC id 0. */
	cr_assert_eq(madt_parse(table(MADT_SIGNATURE), 3, &madt), ACPI_OK);
	cr_assert_eq(madt.cpus[0].apic_id, 3);
	cr_assert_eq(madt_parse(table(MADT_SIGNATURE), 5, &madt), ACPI_ERR_NO_BSP,
		     "APIC id 5 is listed but disabled");

	struct fadt_info fadt;
	cr_assert_eq(fadt_parse(table(FADT_SIGNATURE), &fadt), ACPI_OK);
	cr_assert_eq(fadt.revision, 3);
	cr_assert(fadt.pm_timer.present);
	cr_assert(fadt.pm_timer.from_x_block);
	cr_assert_eq(fadt.pm_timer.address, 0x608);
	cr_assert_eq(fadt.pm_timer.bits, 24);
	cr_assert(fadt.reset.present);
	cr_assert_eq(fadt.reset.reg.address_space_id, ACPI_GAS_SYSTEM_IO);
	cr_assert_eq(fadt.reset.reg.address, 0xcf9);
	cr_assert_eq(fadt.reset.value, 0x0f);

	const struct acpi_sdt_header *t;
	cr_assert_eq(acpi_find_table(&acpi, "MCFG", 0, &t), ACPI_OK);
}

Test(acpi_qemu, pc_with_nvdimm)
{
	boot(&qemu_pc_nvdimm);
	static struct nfit_info nfit;
	cr_assert_eq(nfit_parse(table(NFIT_SIGNATURE), &nfit), ACPI_OK);
	cr_assert_eq(nfit.range_count, 1);
	cr_assert_eq(nfit.ranges[0].base, 0x100000000ull);
	cr_assert_eq(nfit.ranges[0].length, 64ull << 20);

	static struct madt_info madt;
	cr_assert_eq(madt_parse(table(MADT_SIGNATURE), 0, &madt), ACPI_OK);
	cr_assert_eq(madt.cpu_count, 2);
}
