/*
 * Multiboot2 boot information parser.
 * Follows "The Multiboot2 Specification" version 2.0, section 3.6 (boot information format).
 *
 * Pure: reads a byte buffer, writes a struct boot_info, no I/O, so the host
 * unit tests (tests/kernel/test_multiboot2.c) run it on crafted infos.
 * Every size comes from the buffer and is checked before it is used.
 */
#include "firmware/multiboot2.h"

#include "lib/string.h"

/* Field offsets inside a tag (from the tag's start, header included) and the
 * fixed size each tag must have, from the spec's tag diagrams (3.6.x). */
#define TAG_TYPE 0                 /* 3.6.1: every tag */
#define TAG_SIZE 4
#define MODULE_START 8             /* 3.6.6 */
#define MODULE_END 12
#define MODULE_FIXED 16
#define MMAP_ENTRY_SIZE 8          /* 3.6.8; entry_version at 12 is not checked */
#define FB_ADDR 8                  /* 3.6.12 */
#define FB_PITCH 16
#define FB_WIDTH 20
#define FB_HEIGHT 24
#define FB_BPP 28
#define FB_TYPE 29
#define FB_FIXED 31                /* up to the reserved byte; color info follows */
#define EFI_POINTER 8              /* 3.6.13, 3.6.14 */
#define EFI_MMAP_DESC_SIZE 8       /* 3.6.19 */
#define EFI_MEMORY_DESCRIPTOR_MIN 40 /* UEFI 2.9, 7.2: sizeof(EFI_MEMORY_DESCRIPTOR) */
#define RSDP_REVISION 15           /* ACPI 6.4, 5.2.5.3 */

/* The parse state: the info, its checked size and the tag being read. */
struct mb2_cursor {
	const uint8_t *base;
	uint32_t total_size;
	size_t offset;    /* of the current tag */
	uint32_t type;    /* of the current tag */
	uint32_t size;    /* of the current tag, header included, within total_size */
	bool mmap_seen;   /* a second mmap tag is an error, even after an empty one */
	struct boot_info *out;
};

static const uint8_t *tag_body(const struct mb2_cursor *c)
{
	return c->base + c->offset;
}

/* Copy a string of at most `avail` bytes into `dst` (capacity `cap`), stopping
 * at its NUL; the result is NUL terminated even if the source is not.
 * Returns true if the string did not fit. */
static bool copy_string(char *dst, size_t cap, const uint8_t *src, size_t avail)
{
	size_t len = 0;
	while (len < avail && src[len] != '\0')
		len++;
	bool truncated = len > cap - 1;
	if (truncated)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return truncated;
}

/* Tag 1 (3.6.3) and tag 2 (3.6.4): a string after the header. */
static enum mb2_error parse_cmdline(const struct mb2_cursor *c)
{
	c->out->cmdline_truncated = copy_string(c->out->cmdline, sizeof(c->out->cmdline),
						tag_body(c) + MB2_TAG_HEADER_SIZE,
						c->size - MB2_TAG_HEADER_SIZE);
	return MB2_OK;
}

static enum mb2_error parse_loader_name(const struct mb2_cursor *c)
{
	/* A long name is cut; it is only displayed. */
	copy_string(c->out->loader, sizeof(c->out->loader), tag_body(c) + MB2_TAG_HEADER_SIZE,
		    c->size - MB2_TAG_HEADER_SIZE);
	return MB2_OK;
}

/* Tag 3 (3.6.6): mod_start, mod_end (physical, 32 bit), then a string. */
static enum mb2_error parse_module(const struct mb2_cursor *c)
{
	if (c->size < MODULE_FIXED)
		return MB2_ERR_TAG;
	uint32_t start = boot_read_u32(tag_body(c) + MODULE_START);
	uint32_t end = boot_read_u32(tag_body(c) + MODULE_END);
	if (end < start)
		return MB2_ERR_TAG;
	struct boot_info *out = c->out;
	if (out->module_count == BOOT_MODULES_MAX)
		return MB2_ERR_TOO_MANY;
	out->modules[out->module_count++] = (struct boot_range){.start = start, .end = end};
	return MB2_OK;
}

/* Tag 6 (3.6.8): entry_size, entry_version, then entries of entry_size bytes
 * each: base_addr (u64), length (u64), type (u32), reserved (u32). Later
 * versions may grow the entry; only the first 24 bytes are read. */
static enum mb2_error parse_mmap(struct mb2_cursor *c)
{
	struct boot_info *out = c->out;
	if (c->size < MB2_MMAP_HEADER_SIZE)
		return MB2_ERR_TAG;
	if (c->mmap_seen)
		return MB2_ERR_MMAP; /* a second map: which one is right? */
	c->mmap_seen = true;
	uint32_t entry_size = boot_read_u32(tag_body(c) + MMAP_ENTRY_SIZE);
	if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8 != 0)
		return MB2_ERR_MMAP;
	uint32_t bytes = c->size - MB2_MMAP_HEADER_SIZE;
	if (bytes % entry_size != 0)
		return MB2_ERR_MMAP; /* a partial entry at the end */
	/* Entries stay where they are: as many as the tag holds. */
	out->mmap = (struct boot_mmap){ tag_body(c) + MB2_MMAP_HEADER_SIZE, entry_size, bytes / entry_size };
	return MB2_OK;
}

/* Tag 8 (3.6.12): framebuffer_addr (u64), pitch, width, height (u32),
 * bpp, type (u8), reserved, then color info (not read). */
static enum mb2_error parse_framebuffer(const struct mb2_cursor *c)
{
	if (c->size < FB_FIXED)
		return MB2_ERR_TAG;
	const uint8_t *p = tag_body(c);
	struct boot_framebuffer fb = {
		.present = true,
		.addr = boot_read_u64(p + FB_ADDR),
		.pitch = boot_read_u32(p + FB_PITCH),
		.width = boot_read_u32(p + FB_WIDTH),
		.height = boot_read_u32(p + FB_HEIGHT),
		.bpp = p[FB_BPP],
		.type = p[FB_TYPE],
	};
	/* A console writes width pixels into each pitch-byte row: a row that
	 * does not fit its pitch would write past the framebuffer. */
	if (fb.bpp == 0 || (uint64_t)fb.width * ((fb.bpp + 7u) / 8) > fb.pitch)
		return MB2_ERR_TAG;
	c->out->fb = fb;
	return MB2_OK;
}

/* Tags 11 and 12 (3.6.13, 3.6.14): the EFI system table pointer, 32 or 64 bit. */
static enum mb2_error parse_efi_system_table(const struct mb2_cursor *c)
{
	bool wide = c->type == MB2_TAG_EFI64;
	if (c->size < EFI_POINTER + (wide ? sizeof(uint64_t) : sizeof(uint32_t)))
		return MB2_ERR_TAG;
	struct boot_info *out = c->out;
	out->efi = true;
	/* A 64-bit pointer wins over a 32-bit one whatever their order. */
	if (wide)
		out->efi_system_table = boot_read_u64(tag_body(c) + EFI_POINTER);
	else if (out->efi_system_table == 0)
		out->efi_system_table = boot_read_u32(tag_body(c) + EFI_POINTER);
	return MB2_OK;
}

/* Tags 14 and 15 (3.6.16, 3.6.17): a copy of the RSDP. Tag 15 (ACPI 2.0+,
 * with the XSDT) is preferred whatever the order of the two. */
static enum mb2_error parse_rsdp(const struct mb2_cursor *c)
{
	bool is_new = c->type == MB2_TAG_ACPI_NEW;
	uint32_t len = c->size - MB2_TAG_HEADER_SIZE;
	if (len < (is_new ? MB2_RSDP_V2_SIZE : MB2_RSDP_V1_SIZE))
		return MB2_ERR_TAG;
	struct boot_info *out = c->out;
	if (!is_new && out->rsdp != NULL && out->rsdp_revision != 0)
		return MB2_OK; /* tag 15 already seen */
	const uint8_t *rsdp = tag_body(c) + MB2_TAG_HEADER_SIZE;
	out->rsdp = rsdp;
	out->rsdp_size = len;
	/* A v2 copy that claims revision 0 is still told apart from tag 14
	 * by rsdp_size. */
	out->rsdp_revision = is_new ? rsdp[RSDP_REVISION] : 0;
	return MB2_OK;
}

/* Tag 17 (3.6.19): descriptor_size, descriptor_version, then the UEFI memory
 * map as GetMemoryMap() returned it. Kept for diagnostics only. */
static enum mb2_error parse_efi_mmap(const struct mb2_cursor *c)
{
	if (c->size < MB2_MMAP_HEADER_SIZE)
		return MB2_ERR_TAG;
	uint32_t desc_size = boot_read_u32(tag_body(c) + EFI_MMAP_DESC_SIZE);
	/* GetMemoryMap()'s descriptor size may exceed the struct, never fall
	 * short of it; it keeps the descriptors 8-byte aligned. */
	if (desc_size < EFI_MEMORY_DESCRIPTOR_MIN || desc_size % 8 != 0)
		return MB2_ERR_TAG;
	struct boot_info *out = c->out;
	out->efi = true;
	out->efi_desc_size = desc_size;
	out->efi_mmap = tag_body(c) + MB2_MMAP_HEADER_SIZE;
	out->efi_mmap_size = c->size - MB2_MMAP_HEADER_SIZE;
	return MB2_OK;
}

static enum mb2_error parse_tag(struct mb2_cursor *c)
{
	switch (c->type) {
	case MB2_TAG_CMDLINE:
		return parse_cmdline(c);
	case MB2_TAG_LOADER_NAME:
		return parse_loader_name(c);
	case MB2_TAG_MODULE:
		return parse_module(c);
	case MB2_TAG_MMAP:
		return parse_mmap(c);
	case MB2_TAG_FRAMEBUFFER:
		return parse_framebuffer(c);
	case MB2_TAG_EFI32:
	case MB2_TAG_EFI64:
		return parse_efi_system_table(c);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		return parse_rsdp(c);
	case MB2_TAG_EFI_MMAP:
		return parse_efi_mmap(c);
	default:
		return MB2_OK; /* unknown or unused (tag 4 included): skipped */
	}
}

/* The fixed part (3.6.1): total_size must cover itself and an end tag, and
 * stay within what the caller can vouch for. */
static enum mb2_error check_header(const void *info, size_t max_size, uint32_t *total_size)
{
	if (info == NULL)
		return MB2_ERR_NULL;
	if ((uintptr_t)info % MB2_TAG_ALIGN != 0)
		return MB2_ERR_ALIGN;
	if (max_size < MB2_INFO_HEADER_SIZE)
		return MB2_ERR_SIZE;
	*total_size = boot_read_u32(info);
	if (*total_size < MB2_INFO_HEADER_SIZE + MB2_TAG_HEADER_SIZE || *total_size > max_size)
		return MB2_ERR_SIZE;
	return MB2_OK;
}

/* Walk the tags until the end tag; every tag lies inside total_size. */
static enum mb2_error walk_tags(struct mb2_cursor *c)
{
	c->offset = MB2_INFO_HEADER_SIZE;
	for (;;) {
		if (c->total_size - c->offset < MB2_TAG_HEADER_SIZE)
			return MB2_ERR_NO_END;
		c->type = boot_read_u32(c->base + c->offset + TAG_TYPE);
		c->size = boot_read_u32(c->base + c->offset + TAG_SIZE);
		if (c->size < MB2_TAG_HEADER_SIZE || c->size > c->total_size - c->offset)
			return MB2_ERR_TAG;
		if (c->type == MB2_TAG_END)
			return MB2_OK;
		enum mb2_error err = parse_tag(c);
		if (err != MB2_OK)
			return err;
		/* Next tag at the following 8-byte boundary (3.6.2). The
		 * padding may reach past total_size: then there is no end tag. */
		size_t next = c->offset + c->size;
		next += (MB2_TAG_ALIGN - next % MB2_TAG_ALIGN) % MB2_TAG_ALIGN;
		if (next >= c->total_size)
			return MB2_ERR_NO_END;
		c->offset = next;
	}
}

enum mb2_error mb2_parse(uint32_t magic, const void *info, uint64_t info_phys, size_t max_size,
			 struct boot_info *out)
{
	memset(out, 0, sizeof(*out));
	if (magic != MB2_BOOTLOADER_MAGIC)
		return MB2_ERR_MAGIC;
	struct mb2_cursor c = {.base = info, .out = out};
	enum mb2_error err = check_header(info, max_size, &c.total_size);
	if (err != MB2_OK)
		return err;
	out->info = (struct boot_range){.start = info_phys, .end = info_phys + c.total_size};
	err = walk_tags(&c);
	if (err != MB2_OK) {
		out->error_offset = c.offset;
		out->error_tag = c.type;
		return err;
	}
	if (out->mmap.count == 0)
		return MB2_ERR_NO_MMAP;
	return MB2_OK;
}

const char *mb2_strerror(enum mb2_error err)
{
	static const char *const names[MB2_ERR_COUNT] = {
		[MB2_OK] = "ok",
		[MB2_ERR_MAGIC] = "bad boot loader magic (not multiboot2)",
		[MB2_ERR_NULL] = "no boot information",
		[MB2_ERR_ALIGN] = "boot information or tag not 8-byte aligned",
		[MB2_ERR_SIZE] = "total_size too small or larger than allowed",
		[MB2_ERR_TAG] = "tag too small or running past total_size",
		[MB2_ERR_NO_END] = "no end tag within total_size",
		[MB2_ERR_MMAP] = "malformed or duplicate memory map tag",
		[MB2_ERR_NO_MMAP] = "no memory map tag (refusing to guess RAM)",
		[MB2_ERR_TOO_MANY] = "more modules than the table holds",
	};
	if ((unsigned)err >= MB2_ERR_COUNT)
		return "unknown multiboot2 error";
	return names[err];
}
