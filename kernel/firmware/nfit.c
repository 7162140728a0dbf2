/*
 * NFIT parsing: persistent-memory System Physical Address ranges.
 * ACPI Specification 6.0, 5.2.25. See nfit.h for the contract.
 */
#include "firmware/nfit.h"

#include "lib/string.h"

static const struct acpi_guid guid_persistent_memory = NFIT_GUID_PERSISTENT_MEMORY;

static bool is_persistent(const struct nfit_spa_range *spa)
{
	return memcmp(&spa->range_type, &guid_persistent_memory, sizeof(guid_persistent_memory)) == 0;
}

static void read_spa(struct nfit_info *out, const struct nfit_spa_range *spa)
{
	if (!is_persistent(spa)) {
		out->other_ranges++;
		return;
	}
	uint64_t base = spa->base, length = spa->length;
	if (length == 0 || base + length < base) {
		out->empty_ranges++;
		return;
	}
	if (out->range_count == NFIT_RANGES_MAX) {
		out->dropped_ranges++;
		return;
	}
	out->ranges[out->range_count++] = (struct nfit_range){
		.base = base,
		.length = length,
		.range_index = spa->range_index,
		.proximity_domain = spa->proximity_domain,
		.proximity_valid = (spa->flags & NFIT_SPA_FLAG_PROXIMITY_VALID) != 0,
	};
}

enum acpi_error nfit_parse(const struct acpi_sdt_header *table, struct nfit_info *out)
{
	memset(out, 0, sizeof(*out));
	if (memcmp(table->signature, NFIT_SIGNATURE, sizeof(table->signature)) != 0)
		return ACPI_ERR_SIGNATURE;
	if (table->length < sizeof(struct nfit_header))
		return ACPI_ERR_TABLE_SHORT;

	const uint8_t *p = (const uint8_t *)table + sizeof(struct nfit_header);
	const uint8_t *end = (const uint8_t *)table + table->length;
	while (p < end) {
		const struct nfit_structure_header *s = (const void *)p;
		size_t left = (size_t)(end - p);
		if (left < sizeof(*s))
			return ACPI_ERR_ENTRY_OVERRUN;
		size_t min = s->type == NFIT_TYPE_SPA_RANGE ? sizeof(struct nfit_spa_range) : sizeof(*s);
		if (s->length < min)
			return ACPI_ERR_ENTRY_LENGTH;
		if (s->length > left)
			return ACPI_ERR_ENTRY_OVERRUN;
		if (s->type == NFIT_TYPE_SPA_RANGE)
			read_spa(out, (const void *)s);
		p += s->length;
	}
	return out->dropped_ranges ? ACPI_ERR_TOO_MANY : ACPI_OK;
}
