/*
 * SPCR parsing (see spcr.h for the specification and the contract).
 */
#include "firmware/spcr.h"

#include "lib/string.h"

#define GAS_ACCESS_BYTE 1
#define GAS_ACCESS_DWORD 3

static bool baud_from_code(uint8_t code, uint32_t *baud)
{
	switch (code) {
	case SPCR_BAUD_AS_IS: *baud = 0; return true;
	case SPCR_BAUD_9600: *baud = 9600; return true;
	case SPCR_BAUD_19200: *baud = 19200; return true;
	case SPCR_BAUD_57600: *baud = 57600; return true;
	case SPCR_BAUD_115200: *baud = 115200; return true;
	}
	return false;
}

/*
 * Register width: types 0 and 1 are byte registers by definition; type
 * 0x12 states it in the GAS (access size, else the register bit width).
 */
static bool register_bytes(const struct spcr_table *s, uint8_t *out)
{
	const struct acpi_gas *g = &s->base_address;
	if (s->interface_type != SPCR_TYPE_16550_GAS) {
		*out = 1;
		return true;
	}
	if (g->access_size == GAS_ACCESS_DWORD || (g->access_size == 0 && g->register_bit_width == 32)) {
		*out = 4;
		return true;
	}
	if (g->access_size == GAS_ACCESS_BYTE || (g->access_size == 0 && g->register_bit_width == 8)) {
		*out = 1;
		return true;
	}
	return false;
}

enum acpi_error spcr_parse(const struct acpi_sdt_header *table, struct spcr_info *out)
{
	memset(out, 0, sizeof(*out));
	enum acpi_error err = acpi_table_check(table, SPCR_SIGNATURE, sizeof(struct spcr_table));
	if (err != ACPI_OK)
		return err;

	const struct spcr_table *s = (const void *)table;
	const struct acpi_gas *g = &s->base_address;
	out->interface_type = s->interface_type;
	if (g->address == 0 ||
	    (g->address_space_id != ACPI_GAS_SYSTEM_MEMORY && g->address_space_id != ACPI_GAS_SYSTEM_IO))
		return ACPI_ERR_ADDRESS_SPACE;
	out->mmio = g->address_space_id == ACPI_GAS_SYSTEM_MEMORY;
	out->base = g->address;
	if (s->interface_type != SPCR_TYPE_16550 && s->interface_type != SPCR_TYPE_16450 &&
	    s->interface_type != SPCR_TYPE_16550_GAS)
		return ACPI_ERR_UNSUPPORTED;
	if (!register_bytes(s, &out->reg_bytes) || (!out->mmio && out->reg_bytes != 1) ||
	    (!out->mmio && out->base > 0xffff - 7))
		return ACPI_ERR_UNSUPPORTED;
	if (!baud_from_code(s->configured_baud_rate, &out->baud))
		return ACPI_ERR_UNSUPPORTED;
	if (table->revision >= 3)
		out->clock_hz = s->uart_clock_frequency;
	/* Revision 4: a non-zero precise baud rate overrides the code. */
	uint32_t precise;
	if (table->revision >= 4 && table->length >= SPCR_PRECISE_BAUD_OFFSET + sizeof(precise)) {
		memcpy(&precise, (const uint8_t *)table + SPCR_PRECISE_BAUD_OFFSET, sizeof(precise));
		if (precise)
			out->baud = precise;
	}
	return ACPI_OK;
}
