/*
 * Test helpers for the ACPI parsers: a fake physical memory whose mapper hands
 * out exact-size heap copies (so ASan flags any read past a mapped range), and
 * builders for RSDP, RSDT/XSDT and tables with checksums computed.
 */
#ifndef TESTS_KERNEL_ACPI_BUILDER_H
#define TESTS_KERNEL_ACPI_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/acpi.h"

/* Fake physical memory [0, FAKE_MEM_SIZE): low memory, BIOS area and tables. */
#define FAKE_MEM_SIZE (4u << 20)

struct fake_mem {
	uint8_t *bytes;
	void **copies;     /* every mapping handed out, freed by fake_mem_free */
	size_t copy_count, copy_cap;
	size_t refused;    /* map calls outside the memory */
};

void fake_mem_init(struct fake_mem *m);
void fake_mem_free(struct fake_mem *m);
/* Free the mappings handed out so far (their pointers become invalid). */
void fake_mem_unmap_all(struct fake_mem *m);
/* The mapper: an exact-size copy of [phys, phys+len), NULL outside the memory. */
const void *fake_mem_map(void *ctx, uint64_t phys, size_t len);

/* A table under construction: the body after the 36-byte header. */
struct table_builder {
	uint8_t bytes[1u << 16];
	size_t len;
};

void tb_init(struct table_builder *t);
void tb_put(struct table_builder *t, const void *data, size_t len);
void tb_u8(struct table_builder *t, uint8_t v);
void tb_u16(struct table_builder *t, uint16_t v);
void tb_u32(struct table_builder *t, uint32_t v);
void tb_u64(struct table_builder *t, uint64_t v);

/*
 * Write header + body at `phys` with length and checksum filled in; returns
 * the table's length. `oem_table_id` (8 chars, may be NULL) tells tables apart.
 */
size_t put_table(struct fake_mem *m, uint64_t phys, const char *signature, uint8_t revision,
		 const char *oem_table_id, const struct table_builder *body);
/* A finished table in a fresh exact-size heap buffer (caller frees). */
struct acpi_sdt_header *make_table(const char *signature, uint8_t revision,
				   const struct table_builder *body);
void put_rsdt(struct fake_mem *m, uint64_t phys, const uint32_t *entries, size_t n);
void put_xsdt(struct fake_mem *m, uint64_t phys, const uint64_t *entries, size_t n);
/* Fill *r (revision 0: 20 bytes meaningful; 2: 36) with valid checksums. */
void build_rsdp(struct acpi_rsdp *r, uint8_t revision, uint32_t rsdt, uint64_t xsdt);
/* Recompute the checksum of the table at `phys` after an edit. */
void fix_checksum(struct fake_mem *m, uint64_t phys);

#endif
