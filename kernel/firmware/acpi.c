/*
 * ACPI root: RSDP validation, the RSDT/XSDT walk and table lookup by signature.
 * ACPI Specification 6.5, 5.2.5 (RSDP), 5.2.6 (table header), 5.2.7 (RSDT),
 * 5.2.8 (XSDT). See acpi.h for the contract.
 */
#include "firmware/acpi.h"

#include "lib/string.h"

static const char *const acpi_error_names[ACPI_ERR_COUNT] = {
	[ACPI_OK] = "ok",
	[ACPI_ERR_NO_RSDP] = "no valid RSDP",
	[ACPI_ERR_RSDP_SIGNATURE] = "RSDP signature is not \"RSD PTR \"",
	[ACPI_ERR_RSDP_CHECKSUM] = "RSDP checksum (20 bytes) is bad",
	[ACPI_ERR_RSDP_LENGTH] = "RSDP length is out of range",
	[ACPI_ERR_RSDP_EXT_CHECKSUM] = "RSDP extended checksum is bad",
	[ACPI_ERR_NO_ROOT] = "RSDP has neither an RSDT nor an XSDT address",
	[ACPI_ERR_MAP] = "table address cannot be mapped",
	[ACPI_ERR_TABLE_LENGTH] = "table length is below the header size or absurdly large",
	[ACPI_ERR_TABLE_CHECKSUM] = "table checksum is bad",
	[ACPI_ERR_ROOT_SIGNATURE] = "RSDT/XSDT signature is wrong",
	[ACPI_ERR_ROOT_ENTRIES] = "RSDT/XSDT length is not a whole number of entries",
	[ACPI_ERR_NOT_FOUND] = "table not found",
	[ACPI_ERR_SIGNATURE] = "table has the wrong signature for this parser",
	[ACPI_ERR_TABLE_SHORT] = "table is shorter than its fixed fields",
	[ACPI_ERR_ENTRY_LENGTH] = "table entry length is 0 or below its type's size",
	[ACPI_ERR_ENTRY_OVERRUN] = "table entry runs past the table end",
	[ACPI_ERR_TOO_MANY] = "more entries than the fixed tables hold",
	[ACPI_ERR_NO_BSP] = "MADT lists no enabled CPU with the BSP's APIC id",
	[ACPI_ERR_ADDRESS_SPACE] = "register is in an unsupported address space",
	[ACPI_ERR_RSDP_TRUNCATED] = "RSDP revision 2+ given as a 20-byte copy: XSDT address unknown",
	[ACPI_ERR_UNSUPPORTED] = "device kind or register layout not supported",
};

const char *acpi_strerror(enum acpi_error err)
{
	if ((unsigned)err >= ACPI_ERR_COUNT)
		return "unknown ACPI error";
	return acpi_error_names[err];
}

uint8_t acpi_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum;
}

enum acpi_error acpi_table_check(const struct acpi_sdt_header *table, const char *signature, size_t fixed)
{
	if (memcmp(table->signature, signature, sizeof(table->signature)) != 0)
		return ACPI_ERR_SIGNATURE;
	return table->length < fixed ? ACPI_ERR_TABLE_SHORT : ACPI_OK;
}

void acpi_entries_begin(struct acpi_entries *it, const struct acpi_sdt_header *table, size_t fixed,
			size_t field_bytes)
{
	it->next = (const uint8_t *)table + fixed;
	it->end = (const uint8_t *)table + table->length;
	it->field_bytes = field_bytes;
}

/* A little-endian field of 1 or 2 bytes. */
static unsigned entry_field(const uint8_t *p, size_t bytes)
{
	return bytes == 1 ? p[0] : (unsigned)p[0] | (unsigned)p[1] << 8;
}

enum acpi_error acpi_entries_next(struct acpi_entries *it, size_t (*min_length)(unsigned type),
				  const void **entry, unsigned *type)
{
	if (it->next >= it->end)
		return ACPI_ERR_NOT_FOUND;
	size_t left = (size_t)(it->end - it->next);
	if (left < 2 * it->field_bytes)
		return ACPI_ERR_ENTRY_OVERRUN;
	*type = entry_field(it->next, it->field_bytes);
	size_t length = entry_field(it->next + it->field_bytes, it->field_bytes);
	if (length < min_length(*type) || length < 2 * it->field_bytes)
		return ACPI_ERR_ENTRY_LENGTH;
	if (length > left)
		return ACPI_ERR_ENTRY_OVERRUN;
	*entry = it->next;
	it->next += length;
	return ACPI_OK;
}

enum acpi_error acpi_rsdp_validate(const void *rsdp, size_t size)
{
	const struct acpi_rsdp *r = rsdp;

	if (!rsdp || size < ACPI_RSDP_V1_SIZE)
		return ACPI_ERR_NO_RSDP;
	if (memcmp(r->signature, ACPI_RSDP_SIGNATURE, sizeof(r->signature)) != 0)
		return ACPI_ERR_RSDP_SIGNATURE;
	if (acpi_checksum(r, ACPI_RSDP_V1_SIZE) != 0)
		return ACPI_ERR_RSDP_CHECKSUM;
	if (r->revision < 2)
		return ACPI_OK;
	/* Revision 2+: the length field lies beyond the 20 bytes, so the copy
	 * must hold the full 36 before it can be read. */
	if (size < ACPI_RSDP_V2_SIZE)
		return ACPI_ERR_RSDP_LENGTH;
	if (r->length < ACPI_RSDP_V2_SIZE || r->length > size)
		return ACPI_ERR_RSDP_LENGTH;
	if (acpi_checksum(r, r->length) != 0)
		return ACPI_ERR_RSDP_EXT_CHECKSUM;
	return ACPI_OK;
}

enum acpi_error acpi_map_table(acpi_map_fn map, void *ctx, uint64_t phys,
			       const struct acpi_sdt_header **out)
{
	const struct acpi_sdt_header *hdr = map(ctx, phys, sizeof(*hdr));

	if (!hdr)
		return ACPI_ERR_MAP;
	uint32_t length = hdr->length;
	if (length < sizeof(*hdr) || length > ACPI_TABLE_MAX_LENGTH)
		return ACPI_ERR_TABLE_LENGTH;
	hdr = map(ctx, phys, length);
	if (!hdr)
		return ACPI_ERR_MAP;
	/* Mapped anew: a mapper may return a different pointer for the longer
	 * range, and the length must not change between the two reads. */
	if (hdr->length != length)
		return ACPI_ERR_TABLE_LENGTH;
	if (acpi_checksum(hdr, length) != 0)
		return ACPI_ERR_TABLE_CHECKSUM;
	*out = hdr;
	return ACPI_OK;
}

static size_t root_entry_size(bool xsdt)
{
	return xsdt ? sizeof(uint64_t) : sizeof(uint32_t);
}

/* Map and check the RSDT or XSDT at `phys`; on success fill the root fields. */
static enum acpi_error root_open(struct acpi *acpi, uint64_t phys, bool xsdt)
{
	const struct acpi_sdt_header *root;
	enum acpi_error err = acpi_map_table(acpi->map, acpi->ctx, phys, &root);

	if (err)
		return err;
	const char *want = xsdt ? ACPI_XSDT_SIGNATURE : ACPI_RSDT_SIGNATURE;
	if (memcmp(root->signature, want, sizeof(root->signature)) != 0)
		return ACPI_ERR_ROOT_SIGNATURE;
	size_t body = root->length - sizeof(*root);
	if (body % root_entry_size(xsdt) != 0)
		return ACPI_ERR_ROOT_ENTRIES;
	acpi->xsdt = xsdt;
	acpi->root_phys = phys;
	acpi->root = root;
	acpi->table_count = body / root_entry_size(xsdt);
	return ACPI_OK;
}

/* Physical address in root entry `i`; entries are unaligned (offset 36). */
static uint64_t root_entry(const struct acpi *acpi, size_t i)
{
	const uint8_t *entries = (const uint8_t *)acpi->root + sizeof(*acpi->root);

	if (acpi->xsdt) {
		uint64_t phys;
		memcpy(&phys, entries + i * sizeof(phys), sizeof(phys));
		return phys;
	}
	uint32_t phys;
	memcpy(&phys, entries + i * sizeof(phys), sizeof(phys));
	return phys;
}

/*
 * 5.2.5.3: ACPI 2.0+ platforms give the XSDT and OSPM uses it over the RSDT.
 * A broken XSDT falls back to the RSDT, with the reason kept for the log.
 */
static enum acpi_error choose_root(struct acpi *acpi, const struct acpi_rsdp *r, bool truncated)
{
	uint64_t xsdt = r->revision >= 2 && !truncated ? r->xsdt_address : 0;
	enum acpi_error err = ACPI_ERR_NO_ROOT;

	if (xsdt) {
		err = root_open(acpi, xsdt, true);
		if (err == ACPI_OK)
			return ACPI_OK;
		acpi->xsdt_error = err;
	}
	if (!r->rsdt_address)
		return err;
	return root_open(acpi, r->rsdt_address, false);
}

enum acpi_error acpi_init(struct acpi *acpi, acpi_map_fn map, void *ctx, const void *rsdp,
			  size_t rsdp_size)
{
	memset(acpi, 0, sizeof(*acpi));
	acpi->map = map;
	acpi->ctx = ctx;

	enum acpi_error err = acpi_rsdp_validate(rsdp, rsdp_size);
	/* The first 20 bytes checked out but the rest was not copied: only the
	 * RSDT is reachable. */
	bool truncated = err == ACPI_ERR_RSDP_LENGTH && rsdp_size < ACPI_RSDP_V2_SIZE;
	if (err && !truncated)
		return err;
	const struct acpi_rsdp *r = rsdp;
	acpi->revision = r->revision;
	memcpy(acpi->oem_id, r->oem_id, sizeof(r->oem_id));
	if (truncated)
		acpi->xsdt_error = ACPI_ERR_RSDP_TRUNCATED;

	err = choose_root(acpi, r, truncated);
	if (err)
		return err;
	/* Validate every listed table once, so the boot log can count bad ones. */
	for (size_t i = 0; i < acpi->table_count; i++) {
		const struct acpi_sdt_header *table;
		if (acpi_map_table(map, ctx, root_entry(acpi, i), &table) != ACPI_OK)
			acpi->bad_tables++;
	}
	return ACPI_OK;
}

enum acpi_error acpi_table_at(const struct acpi *acpi, size_t i, uint64_t *phys,
			      const struct acpi_sdt_header **out)
{
	if (i >= acpi->table_count)
		return ACPI_ERR_NOT_FOUND;
	*phys = root_entry(acpi, i);
	return acpi_map_table(acpi->map, acpi->ctx, *phys, out);
}

enum acpi_error acpi_find_table(const struct acpi *acpi, const char *signature, size_t index,
				const struct acpi_sdt_header **out)
{
	for (size_t i = 0; i < acpi->table_count; i++) {
		uint64_t phys = root_entry(acpi, i);
		/* Only the header is needed to match; an unmappable entry has no
		 * signature to compare and is skipped (acpi_init counted it). */
		const struct acpi_sdt_header *hdr = acpi->map(acpi->ctx, phys, sizeof(*hdr));
		if (!hdr || memcmp(hdr->signature, signature, sizeof(hdr->signature)) != 0)
			continue;
		if (index-- > 0)
			continue;
		return acpi_map_table(acpi->map, acpi->ctx, phys, out);
	}
	return ACPI_ERR_NOT_FOUND;
}

/* An RSDP candidate at `phys` whose first 20 bytes are already mapped at `p`. */
static bool rsdp_candidate(acpi_map_fn map, void *ctx, uint64_t phys, const uint8_t *p,
			   struct acpi_rsdp_location *out)
{
	const struct acpi_rsdp *r = (const struct acpi_rsdp *)p;

	if (memcmp(r->signature, ACPI_RSDP_SIGNATURE, sizeof(r->signature)) != 0)
		return false;
	if (acpi_checksum(r, ACPI_RSDP_V1_SIZE) != 0)
		return false;
	size_t size = ACPI_RSDP_V1_SIZE;
	if (r->revision >= 2) {
		/* Map the full structure before reading `length` (offset 20). */
		const struct acpi_rsdp *full = map(ctx, phys, ACPI_RSDP_V2_SIZE);
		if (!full || full->length < ACPI_RSDP_V2_SIZE || full->length > ACPI_TABLE_MAX_LENGTH)
			return false;
		size = full->length;
		r = map(ctx, phys, size);
		if (!r || acpi_rsdp_validate(r, size) != ACPI_OK)
			return false;
	}
	out->phys = phys;
	out->rsdp = r;
	out->size = size;
	return true;
}

/* Search [start, end) on 16-byte boundaries; `end` bounds the 20-byte head. */
static bool rsdp_search(acpi_map_fn map, void *ctx, uint64_t start, uint64_t end,
			struct acpi_rsdp_location *out)
{
	const uint8_t *area = map(ctx, start, (size_t)(end - start));
	if (!area)
		return false;
	for (uint64_t off = 0; off + ACPI_RSDP_V1_SIZE <= end - start; off += ACPI_RSDP_ALIGN) {
		if (rsdp_candidate(map, ctx, start + off, area + off, out))
			return true;
	}
	return false;
}

enum acpi_error acpi_scan_bios(acpi_map_fn map, void *ctx, struct acpi_rsdp_location *out)
{
	const uint8_t *bda = map(ctx, ACPI_BDA_EBDA_SEGMENT, sizeof(uint16_t));

	if (bda) {
		uint16_t segment;
		memcpy(&segment, bda, sizeof(segment));
		uint64_t ebda = (uint64_t)segment << 4;
		/* A zero segment means no EBDA; one outside conventional memory
		 * is garbage and not searched. */
		if (ebda && ebda + ACPI_EBDA_SEARCH_LEN <= ACPI_CONVENTIONAL_END &&
		    rsdp_search(map, ctx, ebda, ebda + ACPI_EBDA_SEARCH_LEN, out))
			return ACPI_OK;
	}
	if (rsdp_search(map, ctx, ACPI_BIOS_ROM_START, ACPI_BIOS_ROM_END, out))
		return ACPI_OK;
	return ACPI_ERR_NO_RSDP;
}
