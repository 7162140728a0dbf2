/*
 * Test helpers for the ACPI parsers; see acpi_builder.h.
 */
#include "acpi_builder.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

void fake_mem_init(struct fake_mem *m)
{
	memset(m, 0, sizeof(*m));
	m->bytes = calloc(1, FAKE_MEM_SIZE);
	cr_assert(m->bytes);
}

void fake_mem_unmap_all(struct fake_mem *m)
{
	for (size_t i = 0; i < m->copy_count; i++)
		free(m->copies[i]);
	m->copy_count = 0;
}

void fake_mem_free(struct fake_mem *m)
{
	fake_mem_unmap_all(m);
	free(m->copies);
	free(m->bytes);
	memset(m, 0, sizeof(*m));
}

const void *fake_mem_map(void *ctx, uint64_t phys, size_t len)
{
	struct fake_mem *m = ctx;

	if (phys > FAKE_MEM_SIZE || len > FAKE_MEM_SIZE - phys) {
		m->refused++;
		return NULL;
	}
	if (m->copy_count == m->copy_cap) {
		m->copy_cap = m->copy_cap ? 2 * m->copy_cap : 256;
		m->copies = realloc(m->copies, m->copy_cap * sizeof(*m->copies));
		cr_assert(m->copies);
	}
	void *copy = malloc(len ? len : 1);
	cr_assert(copy);
	memcpy(copy, m->bytes + phys, len);
	m->copies[m->copy_count++] = copy;
	return copy;
}

void tb_init(struct table_builder *t)
{
	t->len = 0;
}

void tb_put(struct table_builder *t, const void *data, size_t len)
{
	cr_assert(t->len + len <= sizeof(t->bytes), "table builder overflow");
	memcpy(t->bytes + t->len, data, len);
	t->len += len;
}

void tb_u8(struct table_builder *t, uint8_t v) { tb_put(t, &v, sizeof(v)); }
void tb_u16(struct table_builder *t, uint16_t v) { tb_put(t, &v, sizeof(v)); }
void tb_u32(struct table_builder *t, uint32_t v) { tb_put(t, &v, sizeof(v)); }
void tb_u64(struct table_builder *t, uint64_t v) { tb_put(t, &v, sizeof(v)); }

static void fill_header(uint8_t *dst, const char *signature, uint8_t revision,
			const char *oem_table_id, const struct table_builder *body)
{
	struct acpi_sdt_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.signature, signature, 4);
	h.length = (uint32_t)(sizeof(h) + body->len);
	h.revision = revision;
	memcpy(h.oem_id, "LLFREE", 6);
	memcpy(h.oem_table_id, oem_table_id ? oem_table_id : "TESTTABL", 8);
	h.oem_revision = 1;
	memcpy(dst, &h, sizeof(h));
	memcpy(dst + sizeof(h), body->bytes, body->len);
	struct acpi_sdt_header *out = (struct acpi_sdt_header *)dst;
	out->checksum = (uint8_t)(0u - acpi_checksum(dst, h.length));
}

size_t put_table(struct fake_mem *m, uint64_t phys, const char *signature, uint8_t revision,
		 const char *oem_table_id, const struct table_builder *body)
{
	size_t len = sizeof(struct acpi_sdt_header) + body->len;
	cr_assert(phys + len <= FAKE_MEM_SIZE);
	fill_header(m->bytes + phys, signature, revision, oem_table_id, body);
	return len;
}

struct acpi_sdt_header *make_table(const char *signature, uint8_t revision,
				   const struct table_builder *body)
{
	uint8_t *buf = malloc(sizeof(struct acpi_sdt_header) + body->len);
	cr_assert(buf);
	fill_header(buf, signature, revision, NULL, body);
	return (struct acpi_sdt_header *)buf;
}

/* A root table: `n` entries of `size` bytes (little-endian, as the host stores them). */
static void put_root(struct fake_mem *m, uint64_t phys, const char *signature, const void *entries, size_t n,
		     size_t size)
{
	struct table_builder t;
	tb_init(&t);
	tb_put(&t, entries, n * size);
	put_table(m, phys, signature, 1, NULL, &t);
}

void put_rsdt(struct fake_mem *m, uint64_t phys, const uint32_t *entries, size_t n)
{
	put_root(m, phys, "RSDT", entries, n, sizeof(*entries));
}

void put_xsdt(struct fake_mem *m, uint64_t phys, const uint64_t *entries, size_t n)
{
	put_root(m, phys, "XSDT", entries, n, sizeof(*entries));
}

void build_rsdp(struct acpi_rsdp *r, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, ACPI_RSDP_SIGNATURE, 8);
	memcpy(r->oem_id, "LLFREE", 6);
	r->revision = revision;
	r->rsdt_address = rsdt;
	r->checksum = (uint8_t)(0u - acpi_checksum(r, ACPI_RSDP_V1_SIZE));
	if (revision >= 2) {
		r->length = ACPI_RSDP_V2_SIZE;
		r->xsdt_address = xsdt;
		r->extended_checksum = (uint8_t)(0u - acpi_checksum(r, ACPI_RSDP_V2_SIZE));
	}
}

void fix_checksum(struct fake_mem *m, uint64_t phys)
{
	struct acpi_sdt_header *h = (struct acpi_sdt_header *)(m->bytes + phys);
	h->checksum = 0;
	h->checksum = (uint8_t)(0u - acpi_checksum(h, h->length));
}
