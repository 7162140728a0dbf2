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

static size_t structure_min_length(unsigned type)
{
	return type == NFIT_TYPE_SPA_RANGE ? sizeof(struct nfit_spa_range) : sizeof(struct nfit_structure_header);
}

enum acpi_error nfit_parse(const struct acpi_sdt_header *table, struct nfit_info *out)
{
	memset(out, 0, sizeof(*out));
	enum acpi_error err = acpi_table_check(table, NFIT_SIGNATURE, sizeof(struct nfit_header));
	if (err != ACPI_OK)
		return err;

	struct acpi_entries it;
	const void *s;
	unsigned type;
	acpi_entries_begin(&it, table, sizeof(struct nfit_header), 2); /* u16 type, u16 length */
	while ((err = acpi_entries_next(&it, structure_min_length, &s, &type)) == ACPI_OK)
		if (type == NFIT_TYPE_SPA_RANGE)
			read_spa(out, s);
	if (err != ACPI_ERR_NOT_FOUND)
		return err;
	return out->dropped_ranges ? ACPI_ERR_TOO_MANY : ACPI_OK;
}
