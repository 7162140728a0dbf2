/*
 * HPET description table parsing: base address and first-block capabilities.
 * IA-PC HPET Specification 1.0a, 3.2.4. See hpet.h for the contract.
 */
#include "firmware/hpet.h"

#include "lib/string.h"

enum acpi_error hpet_parse(const struct acpi_sdt_header *table, struct hpet_info *out)
{
	memset(out, 0, sizeof(*out));
	enum acpi_error err = acpi_table_check(table, HPET_SIGNATURE, sizeof(struct hpet_table));
	if (err != ACPI_OK)
		return err;

	const struct hpet_table *h = (const void *)table;
	/* The HPET registers are memory-mapped only; a zero base cannot be mapped. */
	if (h->base_address.address_space_id != ACPI_GAS_SYSTEM_MEMORY || h->base_address.address == 0)
		return ACPI_ERR_ADDRESS_SPACE;

	uint32_t id = h->event_timer_block_id;
	out->base = h->base_address.address;
	out->number = h->hpet_number;
	out->comparators =
		(uint8_t)(((id >> HPET_BLOCK_ID_COMPARATORS_SHIFT) & HPET_BLOCK_ID_COMPARATORS_MASK) + 1);
	out->counter_64bit = (id & HPET_BLOCK_ID_COUNT_SIZE_CAP) != 0;
	out->legacy_replacement = (id & HPET_BLOCK_ID_LEGACY_REPLACEMENT) != 0;
	out->vendor_id = (uint16_t)(id >> HPET_BLOCK_ID_VENDOR_SHIFT);
	out->min_clock_tick = h->min_clock_tick;
	return ACPI_OK;
}
