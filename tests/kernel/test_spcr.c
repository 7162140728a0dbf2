/*
 * SPCR parser (kernel/firmware/spcr.c) on crafted tables: I/O and MMIO
 * ports, byte and dword registers, baud codes, revision 4's precise baud,
 * and every refusal.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_builder.h"
#include "firmware/spcr.h"

struct spcr_v4 {
	struct spcr_table t;
	uint32_t precise_baud;
	uint16_t namespace_length, namespace_offset;
	char namespace[2];
} __attribute__((packed));

static struct spcr_v4 base_spcr(uint8_t type, uint8_t space, uint8_t access, uint64_t addr, uint8_t baud)
{
	struct spcr_v4 s;
	memset(&s, 0, sizeof(s));
	s.t.interface_type = type;
	s.t.base_address = (struct acpi_gas){ .address_space_id = space, .register_bit_width = 8,
					      .access_size = access, .address = addr };
	s.t.configured_baud_rate = baud;
	s.t.stop_bits = 1;
	s.t.pci_device_id = s.t.pci_vendor_id = 0xffff;
	s.namespace_length = 2;
	s.namespace_offset = offsetof(struct spcr_v4, namespace);
	s.namespace[0] = '.';
	return s;
}

static struct acpi_sdt_header *make_spcr(const struct spcr_v4 *s, uint8_t revision, size_t length)
{
	struct table_builder b;
	tb_init(&b);
	tb_put(&b, (const uint8_t *)s + 36, length - 36);
	return make_table("SPCR", revision, &b);
}

static enum acpi_error parse(const struct spcr_v4 *s, uint8_t revision, size_t length, struct spcr_info *info)
{
	struct acpi_sdt_header *t = make_spcr(s, revision, length);
	enum acpi_error err = spcr_parse(t, info);
	free(t);
	return err;
}

Test(spcr, com2_io_115200)
{
	struct spcr_v4 s = base_spcr(SPCR_TYPE_16550, ACPI_GAS_SYSTEM_IO, 1, 0x2f8, SPCR_BAUD_115200);
	struct spcr_info info;
	cr_assert_eq(parse(&s, 2, 80, &info), ACPI_OK);
	cr_assert_not(info.mmio);
	cr_assert_eq(info.base, 0x2f8);
	cr_assert_eq(info.reg_bytes, 1);
	cr_assert_eq(info.baud, 115200);
	cr_assert_eq(info.clock_hz, 0, "revision 2: offset 76 is reserved, not a clock");
}

Test(spcr, baud_codes_and_as_is)
{
	static const struct { uint8_t code; uint32_t baud; } codes[] = {
		{ SPCR_BAUD_AS_IS, 0 }, { SPCR_BAUD_9600, 9600 }, { SPCR_BAUD_19200, 19200 },
		{ SPCR_BAUD_57600, 57600 }, { SPCR_BAUD_115200, 115200 },
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		struct spcr_v4 s = base_spcr(SPCR_TYPE_16450, ACPI_GAS_SYSTEM_IO, 1, 0x3f8, codes[i].code);
		struct spcr_info info;
		cr_assert_eq(parse(&s, 2, 80, &info), ACPI_OK, "code %u", codes[i].code);
		cr_assert_eq(info.baud, codes[i].baud, "code %u", codes[i].code);
	}
	struct spcr_v4 s = base_spcr(SPCR_TYPE_16550, ACPI_GAS_SYSTEM_IO, 1, 0x3f8, 5);
	struct spcr_info info;
	cr_assert_eq(parse(&s, 2, 80, &info), ACPI_ERR_UNSUPPORTED, "code 5 is reserved");
}

/* Type 0x12 with dword access: 32-bit registers 4 bytes apart (e.g. Intel LPSS UARTs). */
Test(spcr, mmio_dword_registers_clock_and_precise_baud)
{
	struct spcr_v4 s = base_spcr(SPCR_TYPE_16550_GAS, ACPI_GAS_SYSTEM_MEMORY, 3, 0xfe032000, SPCR_BAUD_115200);
	s.t.base_address.register_bit_width = 32;
	s.t.uart_clock_frequency = 1843200;
	s.precise_baud = 1500000;
	struct spcr_info info;
	cr_assert_eq(parse(&s, 4, sizeof(s), &info), ACPI_OK);
	cr_assert(info.mmio);
	cr_assert_eq(info.base, 0xfe032000);
	cr_assert_eq(info.reg_bytes, 4);
	cr_assert_eq(info.clock_hz, 1843200);
	cr_assert_eq(info.baud, 1500000, "revision 4's precise baud overrides the code");

	/* Revision 3: the clock counts, the precise baud does not exist yet. */
	cr_assert_eq(parse(&s, 3, sizeof(s), &info), ACPI_OK);
	cr_assert_eq(info.clock_hz, 1843200);
	cr_assert_eq(info.baud, 115200);

	/* A precise baud of 0 leaves the code's. */
	s.precise_baud = 0;
	cr_assert_eq(parse(&s, 4, sizeof(s), &info), ACPI_OK);
	cr_assert_eq(info.baud, 115200);

	/* Access size undefined: the bit width decides. */
	s.t.base_address.access_size = 0;
	cr_assert_eq(parse(&s, 4, sizeof(s), &info), ACPI_OK);
	cr_assert_eq(info.reg_bytes, 4);
	s.t.base_address.register_bit_width = 8;
	cr_assert_eq(parse(&s, 4, sizeof(s), &info), ACPI_OK);
	cr_assert_eq(info.reg_bytes, 1);
}

Test(spcr, type_0_registers_are_bytes_whatever_the_gas_says)
{
	struct spcr_v4 s = base_spcr(SPCR_TYPE_16550, ACPI_GAS_SYSTEM_MEMORY, 3, 0xfe032000, SPCR_BAUD_115200);
	struct spcr_info info;
	cr_assert_eq(parse(&s, 2, 80, &info), ACPI_OK);
	cr_assert_eq(info.reg_bytes, 1);
}

Test(spcr, refusals)
{
	struct spcr_info info;
	/* ARM PL011 (3): not a 16550. */
	struct spcr_v4 s = base_spcr(3, ACPI_GAS_SYSTEM_MEMORY, 3, 0x9000000, SPCR_BAUD_115200);
	cr_assert_eq(parse(&s, 2, 80, &info), ACPI_ERR_UNSUPPORTED);
	cr_assert_eq(info.interface_type, 3, "the type is reported for the WARN line");
	/* Base 0: console redirection disabled. */
	s = base_spcr(SPCR_TYPE_16550, ACPI_GAS_SYSTEM_IO, 1, 0, SPCR_BAUD_115200);
	cr_assert_eq(parse(&s, 2, 80, &info), ACPI_ERR_ADDRESS_SPACE);
	/* PCI configuration space (2). */
	s = base_spcr(SPCR_TYPE_16550, 2, 1, 0x3f8, SPCR_BAUD_115200);
	cr_assert_eq(parse(&s, 2, 80, &info), ACPI_ERR_ADDRESS_SPACE);
	/* 32-bit registers on I/O ports, 16-bit registers, an I/O port past 0xfff8. */
	s = base_spcr(SPCR_TYPE_16550_GAS, ACPI_GAS_SYSTEM_IO, 3, 0x3f8, SPCR_BAUD_115200);
	cr_assert_eq(parse(&s, 2, 80, &info), ACPI_ERR_UNSUPPORTED);
	s = base_spcr(SPCR_TYPE_16550_GAS, ACPI_GAS_SYSTEM_MEMORY, 2, 0xfe032000, SPCR_BAUD_115200);
	cr_assert_eq(parse(&s, 2, 80, &info), ACPI_ERR_UNSUPPORTED);
	s = base_spcr(SPCR_TYPE_16550, ACPI_GAS_SYSTEM_IO, 1, 0xfffc, SPCR_BAUD_115200);
	cr_assert_eq(parse(&s, 2, 80, &info), ACPI_ERR_UNSUPPORTED);
	/* Short table, wrong signature. */
	s = base_spcr(SPCR_TYPE_16550, ACPI_GAS_SYSTEM_IO, 1, 0x3f8, SPCR_BAUD_115200);
	cr_assert_eq(parse(&s, 2, 76, &info), ACPI_ERR_TABLE_SHORT);
	struct acpi_sdt_header *t = make_spcr(&s, 2, 80);
	memcpy(t->signature, "SPCX", 4);
	cr_assert_eq(spcr_parse(t, &info), ACPI_ERR_SIGNATURE);
	free(t);
	/* Revision 4 claimed but the table ends before the precise baud: the code's baud. */
	cr_assert_eq(parse(&s, 4, 80, &info), ACPI_OK);
	cr_assert_eq(info.baud, 115200);
}
