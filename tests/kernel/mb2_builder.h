/*
 * A builder of multiboot2 boot informations for the parser's host tests
 * (test_multiboot2*.c): tags appended to an 8-byte aligned buffer, the end
 * tag and total_size written by finish(), parse() into `bi`. Each test file
 * has its own copy of the state (one Criterion process per test).
 */
#ifndef TESTS_KERNEL_MB2_BUILDER_H
#define TESTS_KERNEL_MB2_BUILDER_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/multiboot2.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define INFO_PHYS 0x10000ull

struct mb2_builder {
	uint64_t words[16384]; /* 128 KiB, 8-byte aligned like a real info */
	size_t len;           /* bytes written */
};

static struct mb2_builder b;
static struct boot_info bi;

/* Entry i of the parsed map (read in place from the info). */
static inline struct boot_mmap_entry fw_entry(size_t i)
{
	cr_assert_lt(i, bi.mmap.count);
	return boot_mmap_get(&bi.mmap, i);
}

static inline uint8_t *bytes(void)
{
	return (uint8_t *)b.words;
}

static inline void put_u32(size_t at, uint32_t v)
{
	memcpy(bytes() + at, &v, 4);
}

static inline void begin(void)
{
	memset(&b, 0, sizeof(b));
	b.len = 8; /* total_size, reserved */
}

/* Append a tag whose `size` field says header + body_len; returns its offset.
 * The next tag starts at the following 8-byte boundary. */
static inline size_t tag(uint32_t type, const void *body, size_t body_len)
{
	size_t at = b.len;
	cr_assert_leq(at + 8 + body_len, sizeof(b.words));
	put_u32(at, type);
	put_u32(at + 4, (uint32_t)(8 + body_len));
	if (body_len)
		memcpy(bytes() + at + 8, body, body_len);
	b.len = (at + 8 + body_len + 7) & ~(size_t)7;
	return at;
}

/* End tag and total_size; returns total_size. */
static inline uint32_t finish(void)
{
	tag(MB2_TAG_END, NULL, 0);
	put_u32(0, (uint32_t)b.len);
	return (uint32_t)b.len;
}

static inline size_t tag_string(uint32_t type, const char *s)
{
	return tag(type, s, strlen(s) + 1);
}

struct entry {
	uint64_t base, length;
	uint32_t type;
};

/* Tag 6 with entries of `entry_size` bytes; bytes past the 24 known are 0xaa. */
static inline size_t tag_mmap(uint32_t entry_size, const struct entry *e, size_t n)
{
	static uint8_t body[8 + 96 * 1024];
	size_t len = 8 + n * entry_size;
	cr_assert_leq(len, sizeof(body));
	memset(body, 0xaa, len);
	memcpy(body, &entry_size, 4);
	memset(body + 4, 0, 4); /* entry_version 0 */
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = body + 8 + i * entry_size;
		memcpy(p, &e[i].base, 8);
		memcpy(p + 8, &e[i].length, 8);
		memcpy(p + 16, &e[i].type, 4);
		memset(p + 20, 0, 4);
	}
	return tag(MB2_TAG_MMAP, body, len);
}

static const struct entry small_map[] = {
	{0x0, 0x9fc00, 1},
	{0x9fc00, 0x400, 2},
	{0x100000, 0x1fee0000, 1},
};

static inline size_t tag_small_mmap(void)
{
	return tag_mmap(24, small_map, ARRAY_LEN(small_map));
}

static inline size_t tag_module(uint32_t start, uint32_t end, const char *name)
{
	uint8_t body[256];
	size_t n = strlen(name) + 1;
	memcpy(body, &start, 4);
	memcpy(body + 4, &end, 4);
	memcpy(body + 8, name, n);
	return tag(MB2_TAG_MODULE, body, 8 + n);
}

/* An RSDP copy (ACPI 6.4, 5.2.5.3) of `len` bytes with the given revision. */
static inline size_t tag_rsdp(uint32_t type, uint8_t revision, size_t len, char oem_mark)
{
	uint8_t body[64] = "RSD PTR ";
	body[9] = (uint8_t)oem_mark; /* OEMID[0], tells copies apart */
	body[15] = revision;
	return tag(type, body, len);
}

/* Tag 8 (3.6.12), direct RGB at 2 GiB. */
static inline size_t tag_framebuffer(uint32_t pitch, uint32_t width, uint32_t height, uint8_t bpp)
{
	uint8_t fb[24] = {0};
	uint64_t addr = 0x80000000;
	uint32_t dims[3] = {pitch, width, height};
	memcpy(fb, &addr, 8);
	memcpy(fb + 8, dims, 12);
	fb[20] = bpp, fb[21] = 1;
	return tag(MB2_TAG_FRAMEBUFFER, fb, sizeof(fb));
}

static inline enum mb2_error parse(void)
{
	return mb2_parse(MB2_BOOTLOADER_MAGIC, b.words, INFO_PHYS, sizeof(b.words), &bi);
}

/* The result of a successful parse must point only inside the info. */
static inline void check_result(const uint8_t *info, size_t size)
{
	if (bi.mmap.count) {
		const uint8_t *m = bi.mmap.entries;
		cr_assert(m >= info && m + bi.mmap.count * bi.mmap.stride <= info + size);
	}
	cr_assert_leq(bi.module_count, BOOT_MODULES_MAX);
	cr_assert_lt(strnlen(bi.cmdline, sizeof(bi.cmdline)), sizeof(bi.cmdline));
	cr_assert_lt(strnlen(bi.loader, sizeof(bi.loader)), sizeof(bi.loader));
	if (bi.rsdp) {
		const uint8_t *r = bi.rsdp;
		cr_assert(r >= info && r + bi.rsdp_size <= info + size);
	}
	if (bi.efi_mmap) {
		const uint8_t *m = bi.efi_mmap;
		cr_assert(m >= info && m + bi.efi_mmap_size <= info + size);
	}
	cr_assert_eq(bi.info.end - bi.info.start, (uint64_t)*(const uint32_t *)info);
}

/* Parse `len` bytes of `src` from a heap block of exactly that size, so
 * that ASan catches any read past it. */
static inline enum mb2_error parse_exact(const uint8_t *src, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	cr_assert_not_null(copy);
	memcpy(copy, src, len);
	enum mb2_error err = mb2_parse(MB2_BOOTLOADER_MAGIC, copy, INFO_PHYS, len, &bi);
	if (err == MB2_OK)
		check_result(copy, len);
	free(copy);
	return err;
}

#endif
