/*
 * The fixture of the ACPI root tests (test_acpi.c, test_acpi_scan.c): a
 * fake physical memory per test, three small tables (FACP, APIC, HPET) at
 * fixed addresses, and lookups checked against the bytes put there. Each
 * test file has its own copy of the state (one Criterion process per test).
 */
#ifndef TESTS_KERNEL_ACPI_ROOT_FIXTURE_H
#define TESTS_KERNEL_ACPI_ROOT_FIXTURE_H

#include <criterion/criterion.h>
#include <string.h>

#include "acpi_builder.h"
#include "firmware/acpi.h"

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

static inline void setup(void) { fake_mem_init(&mem); }
static inline void teardown(void) { fake_mem_free(&mem); }

/* A small table with a recognisable body. */
static inline void put_small(uint64_t phys, const char *sig, const char *oem_table_id)
{
	struct table_builder t;
	tb_init(&t);
	tb_u32(&t, 0x12345678);
	put_table(&mem, phys, sig, 1, oem_table_id, &t);
}

static inline void put_standard_tables(void)
{
	put_small(FACP_PHYS, "FACP", "FACPTABL");
	put_small(APIC_PHYS, "APIC", "APICTABL");
	put_small(HPET_PHYS, "HPET", "HPETTABL");
}

static const uint32_t standard32[] = { FACP_PHYS, APIC_PHYS, HPET_PHYS };
static const uint64_t standard64[] = { FACP_PHYS, APIC_PHYS, HPET_PHYS };

static inline enum acpi_error init_with(const struct acpi_rsdp *r, size_t size)
{
	return acpi_init(&acpi, fake_mem_map, &mem, r, size);
}

static inline void expect_table(const char *sig, size_t index, uint64_t phys)
{
	const struct acpi_sdt_header *h = NULL;
	enum acpi_error err = acpi_find_table(&acpi, sig, index, &h);
	cr_assert_eq(err, ACPI_OK, "%s #%zu: %s", sig, index, acpi_strerror(err));
	cr_assert_eq(memcmp(h->signature, sig, 4), 0);
	cr_assert_eq(memcmp(h, mem.bytes + phys, h->length), 0, "%s is the copy at %#lx", sig,
		     (unsigned long)phys);
}

#endif
