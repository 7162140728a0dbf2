/*
 * Host unit tests of kernel/firmware/multiboot2.c on infos crafted by a small
 * builder (Multiboot2 spec 2.0, 3.6): every tag the parser reads, each kind
 * of malformed input, and truncation / corruption sweeps under ASan, where
 * every info lies in a heap block of exactly its size. Two infos that GRUB
 * really passed (tests/kernel/data/) are parsed and turned into memory maps.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/multiboot2.h"
#include "mm/memmap.h"
#include "rand.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define INFO_PHYS 0x10000ull

/* ---- builder ----------------------------------------------------------- */

struct mb2_builder {
	uint64_t words[16384]; /* 128 KiB, 8-byte aligned like a real info */
	size_t len;           /* bytes written */
};

static struct mb2_builder b;
static struct boot_info bi;

/* Entry i of the parsed map (read in place from the info). */
static struct boot_mmap_entry fw_entry(size_t i)
{
	cr_assert_lt(i, bi.mmap.count);
	return boot_mmap_get(&bi.mmap, i);
}

static uint8_t *bytes(void)
{
	return (uint8_t *)b.words;
}

static void put_u32(size_t at, uint32_t v)
{
	memcpy(bytes() + at, &v, 4);
}

static void begin(void)
{
	memset(&b, 0, sizeof(b));
	b.len = 8; /* total_size, reserved */
}

/* Append a tag whose `size` field says header + body_len; returns its offset.
 * The next tag starts at the following 8-byte boundary. */
static size_t tag(uint32_t type, const void *body, size_t body_len)
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
static uint32_t finish(void)
{
	tag(MB2_TAG_END, NULL, 0);
	put_u32(0, (uint32_t)b.len);
	return (uint32_t)b.len;
}

static size_t tag_string(uint32_t type, const char *s)
{
	return tag(type, s, strlen(s) + 1);
}

struct entry {
	uint64_t base, length;
	uint32_t type;
};

/* Tag 6 with entries of `entry_size` bytes; bytes past the 24 known are 0xaa. */
static size_t tag_mmap(uint32_t entry_size, const struct entry *e, size_t n)
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

static size_t tag_small_mmap(void)
{
	return tag_mmap(24, small_map, ARRAY_LEN(small_map));
}

static size_t tag_module(uint32_t start, uint32_t end, const char *name)
{
	uint8_t body[256];
	size_t n = strlen(name) + 1;
	memcpy(body, &start, 4);
	memcpy(body + 4, &end, 4);
	memcpy(body + 8, name, n);
	return tag(MB2_TAG_MODULE, body, 8 + n);
}

/* An RSDP copy (ACPI 6.4, 5.2.5.3) of `len` bytes with the given revision. */
static size_t tag_rsdp(uint32_t type, uint8_t revision, size_t len, char oem_mark)
{
	uint8_t body[64] = "RSD PTR ";
	body[9] = (uint8_t)oem_mark; /* OEMID[0], tells copies apart */
	body[15] = revision;
	return tag(type, body, len);
}

/* Tag 8 (3.6.12), direct RGB at 2 GiB. */
static size_t tag_framebuffer(uint32_t pitch, uint32_t width, uint32_t height, uint8_t bpp)
{
	uint8_t fb[24] = {0};
	uint64_t addr = 0x80000000;
	uint32_t dims[3] = {pitch, width, height};
	memcpy(fb, &addr, 8);
	memcpy(fb + 8, dims, 12);
	fb[20] = bpp, fb[21] = 1;
	return tag(MB2_TAG_FRAMEBUFFER, fb, sizeof(fb));
}

static enum mb2_error parse(void)
{
	return mb2_parse(MB2_BOOTLOADER_MAGIC, b.words, INFO_PHYS, sizeof(b.words), &bi);
}

/* ---- valid infos ------------------------------------------------------- */

Test(multiboot2, every_tag)
{
	begin();
	tag_string(MB2_TAG_CMDLINE, "bench=all cpus=4");
	tag_string(MB2_TAG_LOADER_NAME, "GRUB 2.06-13+deb12u1");
	tag_module(0x200000, 0x201234, "initrd");
	tag_module(0x300000, 0x300000, ""); /* empty module */
	uint32_t meminfo[2] = {639, 7 * 1024}; /* UEFI's misleading 7 MiB */
	tag(MB2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo));
	uint32_t bootdev[3] = {0x80, ~0u, ~0u};
	tag(5, bootdev, sizeof(bootdev));
	tag_small_mmap();
	uint8_t fb[32] = {0};
	uint64_t fb_addr = 0xfd000000;
	uint32_t fb_dims[3] = {4096, 1024, 768};
	memcpy(fb, &fb_addr, 8);
	memcpy(fb + 8, fb_dims, 12);
	fb[20] = 32, fb[21] = 1;
	tag(MB2_TAG_FRAMEBUFFER, fb, sizeof(fb));
	uint8_t elf[20] = {0};
	tag(9, elf, sizeof(elf));
	uint32_t efi32 = 0x7f9e018;
	tag(MB2_TAG_EFI32, &efi32, 4);
	uint64_t efi64 = 0x1f9ee018;
	tag(MB2_TAG_EFI64, &efi64, 8);
	tag_rsdp(MB2_TAG_ACPI_OLD, 0, 20, 'o');
	tag_rsdp(MB2_TAG_ACPI_NEW, 2, 36, 'n');
	uint8_t efi_mmap[8 + 3 * 48] = {0};
	uint32_t desc[2] = {48, 1};
	memcpy(efi_mmap, desc, 8);
	size_t efi_mmap_at = tag(MB2_TAG_EFI_MMAP, efi_mmap, sizeof(efi_mmap));
	uint32_t load_base = 0x200000;
	tag(21, &load_base, 4);
	tag(0x7777, "future tag", 10); /* unknown: skipped */
	uint32_t total = finish();

	cr_assert_eq(parse(), MB2_OK, "%s", mb2_strerror(parse()));
	cr_assert_eq(bi.info.start, INFO_PHYS);
	cr_assert_eq(bi.info.end, INFO_PHYS + total);
	cr_assert_str_eq(bi.cmdline, "bench=all cpus=4");
	cr_assert_not(bi.cmdline_truncated);
	cr_assert_str_eq(bi.loader, "GRUB 2.06-13+deb12u1");
	cr_assert_eq(bi.module_count, 2);
	cr_assert_eq(bi.modules[0].start, 0x200000);
	cr_assert_eq(bi.modules[0].end, 0x201234);
	cr_assert_eq(bi.modules[1].start, 0x300000);
	cr_assert_eq(bi.modules[1].end, 0x300000);
	cr_assert_eq(bi.mmap.count, ARRAY_LEN(small_map));
	for (size_t i = 0; i < ARRAY_LEN(small_map); i++) {
		cr_assert_eq(fw_entry(i).base, small_map[i].base);
		cr_assert_eq(fw_entry(i).length, small_map[i].length);
		cr_assert_eq(fw_entry(i).type, small_map[i].type);
	}
	cr_assert(bi.fb.present);
	cr_assert_eq(bi.fb.addr, 0xfd000000);
	cr_assert_eq(bi.fb.pitch, 4096);
	cr_assert_eq(bi.fb.width, 1024);
	cr_assert_eq(bi.fb.height, 768);
	cr_assert_eq(bi.fb.bpp, 32);
	cr_assert_eq(bi.fb.type, 1);
	cr_assert(bi.efi);
	cr_assert_eq(bi.efi_system_table, 0x1f9ee018);
	cr_assert_not_null(bi.rsdp);
	cr_assert_eq(bi.rsdp_size, 36);
	cr_assert_eq(bi.rsdp_revision, 2);
	cr_assert_eq(((const uint8_t *)bi.rsdp)[9], 'n');
	cr_assert_eq(memcmp(bi.rsdp, "RSD PTR ", 8), 0);
	cr_assert_eq(bi.efi_desc_size, 48);
	cr_assert_eq(bi.efi_mmap_size, 3 * 48);
	cr_assert_eq((const uint8_t *)bi.efi_mmap, bytes() + efi_mmap_at + 16);
}

/* The smallest info: an mmap tag and the end tag. Absent tags stay empty. */
Test(multiboot2, minimal)
{
	begin();
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert_str_eq(bi.cmdline, "");
	cr_assert_str_eq(bi.loader, "");
	cr_assert_eq(bi.module_count, 0);
	cr_assert_null(bi.rsdp);
	cr_assert_not(bi.efi);
	cr_assert_not(bi.fb.present);
	cr_assert_eq(bi.mmap.count, 3);
}

/* Later spec versions may grow the entry: step by entry_size, read 24 bytes. */
Test(multiboot2, mmap_entry_size_larger_than_24)
{
	static const struct entry e[] = {
		{0x0, 0xa0000, 1}, {0x100000, 0x7f00000, 1}, {0xffc00000, 0x400000, 2},
		{0x100000000, 0x40000000, 1}, {0x8000000, 0x1000, 20},
	};
	uint32_t sizes[] = {32, 40, 64};
	for (size_t s = 0; s < ARRAY_LEN(sizes); s++) {
		begin();
		tag_mmap(sizes[s], e, ARRAY_LEN(e));
		finish();
		cr_assert_eq(parse(), MB2_OK, "entry_size %u", sizes[s]);
		cr_assert_eq(bi.mmap.count, ARRAY_LEN(e));
		for (size_t i = 0; i < ARRAY_LEN(e); i++) {
			cr_assert_eq(fw_entry(i).base, e[i].base);
			cr_assert_eq(fw_entry(i).length, e[i].length);
			cr_assert_eq(fw_entry(i).type, e[i].type);
		}
	}
}

Test(multiboot2, mmap_with_no_entries_is_no_mmap)
{
	begin();
	tag_mmap(24, NULL, 0);
	finish();
	cr_assert_eq(parse(), MB2_ERR_NO_MMAP);
}

/* Only the memory map sizes RAM; the basic meminfo tag is never used. */
Test(multiboot2, no_mmap_refused)
{
	begin();
	uint32_t meminfo[2] = {639, 511 * 1024};
	tag(MB2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo));
	tag_string(MB2_TAG_CMDLINE, "x");
	finish();
	cr_assert_eq(parse(), MB2_ERR_NO_MMAP);
	cr_assert_eq(bi.mmap.count, 0);
}

/*
 * A server's UEFI map has thousands of descriptors: no table limits their
 * number, and a map reaching beyond 1 TiB builds into a memory map whose top
 * is there: 3000 entries of 256 MiB from 4 GiB on, every eighth reserved
 * (runtime services, MMIO) between adjacent usable ones, then one usable GiB
 * at 2 TiB.
 */
Test(multiboot2, mmap_thousands_of_entries_beyond_1tib)
{
	enum { N = 3000 };
	static struct entry e[N + 1];
	const uint64_t gib = 1ull << 30, step = 256ull << 20;
	e[0] = (struct entry){0, 0x9fc00, 1};
	for (size_t i = 1; i < N; i++)
		e[i] = (struct entry){4 * gib + i * step, step, i % 8 ? 1 : 2};
	e[N] = (struct entry){2048 * gib, gib, 1};
	begin();
	tag_mmap(24, e, N + 1);
	finish();
	cr_assert_eq(parse(), MB2_OK, "%s", mb2_strerror(parse()));
	cr_assert_eq(bi.mmap.count, N + 1);
	for (size_t i = 0; i <= N; i++) {
		cr_assert_eq(fw_entry(i).base, e[i].base, "entry %zu", i);
		cr_assert_eq(fw_entry(i).length, e[i].length, "entry %zu", i);
		cr_assert_eq(fw_entry(i).type, e[i].type, "entry %zu", i);
	}
	static struct memmap m;
	cr_assert_eq(memmap_build(&bi.mmap, NULL, 0, &m), MEMMAP_OK);
	cr_assert_eq(m.top_usable, 2049 * gib);
	/* low, then usable/reserved pairs, then the island at 2 TiB */
	cr_assert_eq(m.count, 1 + 2 * ((N - 1) / 8) + 1 + 1, "%zu ranges", m.count);
}

/* ---- strings ----------------------------------------------------------- */

Test(multiboot2, strings_without_nul)
{
	begin();
	size_t at = tag(MB2_TAG_CMDLINE, "console=ttyS0", 13); /* no NUL */
	memset(bytes() + at + 8 + 13, 'A', 3); /* padding is not part of the string */
	tag(MB2_TAG_LOADER_NAME, "GRUB", 4);
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert_str_eq(bi.cmdline, "console=ttyS0");
	cr_assert_str_eq(bi.loader, "GRUB");
}

Test(multiboot2, long_strings_cut_and_terminated)
{
	static char longline[3 * BOOT_CMDLINE_MAX];
	memset(longline, 'c', sizeof(longline) - 1);
	begin();
	tag_string(MB2_TAG_CMDLINE, longline);
	tag(MB2_TAG_LOADER_NAME, longline, 2 * BOOT_LOADER_MAX); /* no NUL either */
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert(bi.cmdline_truncated);
	cr_assert_eq(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	cr_assert_eq(strlen(bi.loader), BOOT_LOADER_MAX - 1);

	/* one more than fits: cut */
	memset(longline, 0, sizeof(longline));
	memset(longline, 'e', BOOT_CMDLINE_MAX);
	begin();
	tag_string(MB2_TAG_CMDLINE, longline);
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert(bi.cmdline_truncated);
	cr_assert_eq(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);

	/* exactly fitting is not truncated */
	memset(longline, 0, sizeof(longline));
	memset(longline, 'd', BOOT_CMDLINE_MAX - 1);
	begin();
	tag_string(MB2_TAG_CMDLINE, longline);
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert_not(bi.cmdline_truncated);
	cr_assert_str_eq(bi.cmdline, longline);
}

Test(multiboot2, empty_string_tags)
{
	begin();
	tag(MB2_TAG_CMDLINE, NULL, 0);
	tag(MB2_TAG_LOADER_NAME, "", 1);
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert_str_eq(bi.cmdline, "");
	cr_assert_str_eq(bi.loader, "");
}

/* ---- ACPI and EFI ------------------------------------------------------ */

Test(multiboot2, rsdp_new_preferred_in_either_order)
{
	for (int order = 0; order < 2; order++) {
		begin();
		if (order == 0)
			tag_rsdp(MB2_TAG_ACPI_OLD, 0, 20, 'o');
		tag_rsdp(MB2_TAG_ACPI_NEW, 2, 36, 'n');
		if (order == 1)
			tag_rsdp(MB2_TAG_ACPI_OLD, 0, 20, 'o');
		tag_small_mmap();
		finish();
		cr_assert_eq(parse(), MB2_OK);
		cr_assert_eq(((const uint8_t *)bi.rsdp)[9], 'n', "order %d", order);
		cr_assert_eq(bi.rsdp_size, 36);
		cr_assert_eq(bi.rsdp_revision, 2);
	}
}

Test(multiboot2, rsdp_old_only)
{
	begin();
	/* tag 14 is ACPI 1.0 whatever the copy's revision byte claims */
	size_t at = tag_rsdp(MB2_TAG_ACPI_OLD, 2, 20, 'o');
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert_eq((const uint8_t *)bi.rsdp, bytes() + at + 8); /* points into the info */
	cr_assert_eq(bi.rsdp_size, 20);
	cr_assert_eq(bi.rsdp_revision, 0);
}

Test(multiboot2, rsdp_too_short)
{
	begin();
	tag_rsdp(MB2_TAG_ACPI_NEW, 2, 20, 'n'); /* a v2 RSDP needs 36 bytes */
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_ERR_TAG);
	cr_assert_eq(bi.error_tag, MB2_TAG_ACPI_NEW);

	begin();
	tag_rsdp(MB2_TAG_ACPI_OLD, 0, 19, 'o');
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_ERR_TAG);
}

Test(multiboot2, efi_tags)
{
	/* a 32-bit table alone */
	begin();
	uint32_t efi32 = 0x7f9e018;
	tag(MB2_TAG_EFI32, &efi32, 4);
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert(bi.efi);
	cr_assert_eq(bi.efi_system_table, 0x7f9e018);

	/* 64-bit wins even when it comes first */
	begin();
	uint64_t efi64 = 0x11f9ee018;
	tag(MB2_TAG_EFI64, &efi64, 8);
	tag(MB2_TAG_EFI32, &efi32, 4);
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert_eq(bi.efi_system_table, 0x11f9ee018);

	/* the EFI memory map alone says EFI too */
	begin();
	uint32_t desc[2] = {40, 1};
	tag(MB2_TAG_EFI_MMAP, desc, 8);
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert(bi.efi);
	cr_assert_eq(bi.efi_mmap_size, 0);

	/* BIOS: none of them */
	begin();
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_OK);
	cr_assert_not(bi.efi);
}

Test(multiboot2, efi_tags_malformed)
{
	uint32_t short_ptr = 1;
	begin();
	tag(MB2_TAG_EFI64, &short_ptr, 4); /* a 64-bit pointer in 4 bytes */
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_ERR_TAG);

	uint32_t bad_desc[][2] = {{0, 1}, {24, 1}, {44, 1}};
	for (size_t i = 0; i < ARRAY_LEN(bad_desc); i++) {
		begin();
		tag(MB2_TAG_EFI_MMAP, bad_desc[i], 8);
		tag_small_mmap();
		finish();
		cr_assert_eq(parse(), MB2_ERR_TAG, "descriptor size %u", bad_desc[i][0]);
	}
}

/* Rows must fit their pitch, or a console would write past the framebuffer. */
Test(multiboot2, framebuffer_geometry)
{
	struct {
		uint32_t pitch, width;
		uint8_t bpp;
		enum mb2_error want;
	} cases[] = {
		{3200, 800, 32, MB2_OK},          {3199, 800, 32, MB2_ERR_TAG},
		{2400, 800, 24, MB2_OK},          {2560, 800, 24, MB2_OK}, /* padded rows */
		{1600, 800, 15, MB2_OK},          {1599, 800, 16, MB2_ERR_TAG},
		{1599, 800, 15, MB2_ERR_TAG},     /* 15 bpp takes 2 bytes */
		{4096, 0xffffffffu, 32, MB2_ERR_TAG}, {4096, 1024, 0, MB2_ERR_TAG},
		{4096, 0x40000001u, 32, MB2_ERR_TAG}, /* width * 4 wraps in 32 bits */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		begin();
		tag_framebuffer(cases[i].pitch, cases[i].width, 600, cases[i].bpp);
		tag_small_mmap();
		finish();
		cr_assert_eq(parse(), cases[i].want, "case %zu", i);
		cr_assert_eq(bi.fb.present, cases[i].want == MB2_OK, "case %zu", i);
	}
}

Test(multiboot2, framebuffer_too_short)
{
	begin();
	uint8_t fb[16] = {0};
	tag(MB2_TAG_FRAMEBUFFER, fb, sizeof(fb));
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_ERR_TAG);
}

/* ---- modules ----------------------------------------------------------- */

Test(multiboot2, modules_too_many)
{
	begin();
	for (uint32_t i = 0; i < BOOT_MODULES_MAX + 1; i++)
		tag_module(0x400000 + i * 0x1000, 0x400800 + i * 0x1000, "m");
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_ERR_TOO_MANY);
	cr_assert_eq(bi.error_tag, MB2_TAG_MODULE);
}

Test(multiboot2, module_malformed)
{
	begin();
	tag_module(0x500000, 0x400000, "backwards");
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_ERR_TAG);

	begin();
	uint32_t only_start = 0; /* the padding after it reads as mod_end 0 */
	tag(MB2_TAG_MODULE, &only_start, 4);
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_ERR_TAG);
}

/* ---- the fixed part ---------------------------------------------------- */

Test(multiboot2, bad_magic_and_null)
{
	begin();
	tag_small_mmap();
	finish();
	cr_assert_eq(mb2_parse(0x2badb002, b.words, 0, sizeof(b.words), &bi), MB2_ERR_MAGIC);
	cr_assert_eq(mb2_parse(MB2_BOOTLOADER_MAGIC, NULL, 0, 4096, &bi), MB2_ERR_NULL);
	cr_assert_eq(bi.mmap.count, 0); /* out is cleared even on error */
}

Test(multiboot2, misaligned_info)
{
	begin();
	tag_small_mmap();
	uint32_t total = finish();
	static uint64_t shifted[4097];
	for (size_t shift = 1; shift < 8; shift++) {
		memcpy((uint8_t *)shifted + shift, b.words, total);
		cr_assert_eq(mb2_parse(MB2_BOOTLOADER_MAGIC, (uint8_t *)shifted + shift, 0, total, &bi),
			     MB2_ERR_ALIGN, "shift %zu", shift);
	}
}

Test(multiboot2, total_size_out_of_bounds)
{
	begin();
	tag_small_mmap();
	uint32_t total = finish();
	/* beyond what the caller vouches for */
	cr_assert_eq(mb2_parse(MB2_BOOTLOADER_MAGIC, b.words, 0, total - 1, &bi), MB2_ERR_SIZE);
	cr_assert_eq(mb2_parse(MB2_BOOTLOADER_MAGIC, b.words, 0, total, &bi), MB2_OK);
	/* the caller's bound cannot even hold the fixed part */
	cr_assert_eq(mb2_parse(MB2_BOOTLOADER_MAGIC, b.words, 0, 7, &bi), MB2_ERR_SIZE);
	/* too small for the fixed part and an end tag */
	for (uint32_t t = 0; t < 16; t++) {
		put_u32(0, t);
		cr_assert_eq(parse(), MB2_ERR_SIZE, "total_size %u", t);
	}
	put_u32(0, 0xffffffffu);
	cr_assert_eq(parse(), MB2_ERR_SIZE);
}

/* ---- tags -------------------------------------------------------------- */

Test(multiboot2, tag_size_below_header)
{
	for (uint32_t size = 0; size < 8; size++) {
		begin();
		tag_small_mmap();
		size_t at = tag(0x55, NULL, 0);
		put_u32(at + 4, size);
		finish();
		cr_assert_eq(parse(), MB2_ERR_TAG, "size %u", size);
		cr_assert_eq(bi.error_offset, at);
		cr_assert_eq(bi.error_tag, 0x55);
	}
}

Test(multiboot2, tag_size_past_end)
{
	begin();
	size_t at = tag_small_mmap();
	uint32_t total = finish();
	put_u32(at + 4, total - (uint32_t)at + 1); /* one byte past total_size */
	cr_assert_eq(parse(), MB2_ERR_TAG);
	cr_assert_eq(bi.error_offset, at);
	cr_assert_eq(bi.error_tag, MB2_TAG_MMAP);
	put_u32(at + 4, 0xfffffff8u);
	cr_assert_eq(parse(), MB2_ERR_TAG);
}

/* total_size ends inside the mmap tag: the tag is truncated. */
Test(multiboot2, truncated_tag)
{
	begin();
	tag_string(MB2_TAG_CMDLINE, "abc");
	size_t at = tag_small_mmap();
	finish();
	put_u32(0, (uint32_t)at + 40);
	cr_assert_eq(parse(), MB2_ERR_TAG);
	cr_assert_eq(bi.error_tag, MB2_TAG_MMAP);
	cr_assert_str_eq(bi.cmdline, "abc"); /* what came before is kept for the message */
}

Test(multiboot2, missing_end_tag)
{
	begin();
	tag_small_mmap();
	put_u32(0, (uint32_t)b.len); /* total_size ends right after the mmap tag */
	cr_assert_eq(parse(), MB2_ERR_NO_END);

	/* a last tag whose padding would run past total_size */
	begin();
	tag_small_mmap();
	size_t at = tag(0x66, "1234", 4); /* 12 bytes, padded to 16 */
	put_u32(0, (uint32_t)at + 12);
	cr_assert_eq(parse(), MB2_ERR_NO_END);
	/* room for part of an end tag only */
	put_u32(0, (uint32_t)at + 20);
	cr_assert_eq(parse(), MB2_ERR_NO_END);
}

/* Bytes after the end tag inside total_size are not looked at. */
Test(multiboot2, end_tag_stops_the_walk)
{
	begin();
	tag_small_mmap();
	tag(MB2_TAG_END, NULL, 0);
	tag(MB2_TAG_MMAP, "garbage!", 8);
	put_u32(0, (uint32_t)b.len);
	cr_assert_eq(parse(), MB2_OK);
	cr_assert_eq(bi.mmap.count, 3);
}

Test(multiboot2, mmap_bad_entry_size)
{
	uint32_t bad[] = {0, 8, 16, 20, 28, 33};
	static const struct entry e[] = {{0x100000, 0x100000, 1}};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		begin();
		/* keep the body a whole number of entries of 24 bytes: the
		 * entry_size check must be what rejects it */
		size_t at = tag_mmap(24, e, 1);
		put_u32(at + 8, bad[i]);
		finish();
		cr_assert_eq(parse(), MB2_ERR_MMAP, "entry_size %u", bad[i]);
		cr_assert_eq(bi.error_offset, at);
	}
}

/* A whole number of entries of a size that is no multiple of 8. */
Test(multiboot2, mmap_entry_size_not_multiple_of_8)
{
	static const struct entry e[] = {{0x100000, 0x100000, 1}, {0x200000, 0x100000, 1}};
	uint32_t bad[] = {28, 36, 44};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		begin();
		tag_mmap(bad[i], e, 2);
		finish();
		cr_assert_eq(parse(), MB2_ERR_MMAP, "entry_size %u", bad[i]);
	}
}

Test(multiboot2, mmap_partial_entry)
{
	static const struct entry e[] = {{0x100000, 0x100000, 1}, {0x200000, 0x100000, 1}};
	begin();
	size_t at = tag_mmap(24, e, 2);
	put_u32(at + 4, 16 + 24 + 16); /* the second entry cut short */
	finish();
	cr_assert_eq(parse(), MB2_ERR_MMAP);
}

Test(multiboot2, mmap_tag_too_small_for_its_header)
{
	begin();
	uint32_t entry_size = 24;
	tag(MB2_TAG_MMAP, &entry_size, 4);
	finish();
	cr_assert_eq(parse(), MB2_ERR_TAG);
}

Test(multiboot2, duplicate_mmap)
{
	begin();
	tag_small_mmap();
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_ERR_MMAP);

	/* an empty map does not make room for another */
	begin();
	tag_mmap(24, NULL, 0);
	tag_small_mmap();
	finish();
	cr_assert_eq(parse(), MB2_ERR_MMAP);
}

Test(multiboot2, strerror_names_every_error)
{
	for (int e = MB2_OK; e < MB2_ERR_COUNT; e++) {
		const char *s = mb2_strerror((enum mb2_error)e);
		cr_assert_not_null(s);
		cr_assert_neq(strcmp(s, "unknown multiboot2 error"), 0, "error %d unnamed", e);
	}
	cr_assert_str_eq(mb2_strerror((enum mb2_error)99), "unknown multiboot2 error");
}

/* ---- robustness: every prefix, random corruption ----------------------- */

/* An info with many tag kinds, as GRUB on OVMF would give. */
static uint32_t build_rich_info(void)
{
	begin();
	tag_string(MB2_TAG_CMDLINE, "/boot/kernel.elf bench=llfree");
	tag_string(MB2_TAG_LOADER_NAME, "GRUB 2.06");
	tag_module(0x400000, 0x480000, "data");
	uint32_t meminfo[2] = {639, 7 * 1024};
	tag(MB2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo));
	static const struct entry e[] = {
		{0x0, 0xa0000, 1}, {0x100000, 0x700000, 1}, {0x800000, 0x8000, 4},
		{0x808000, 0x1f000000, 1}, {0x1fb7e000, 0x80000, 3}, {0x1ff00000, 0x78000, 20},
		{0xffc00000, 0x400000, 2},
	};
	tag_mmap(32, e, ARRAY_LEN(e));
	tag_framebuffer(4096, 1024, 768, 32);
	uint64_t efi64 = 0x1f9ee018;
	tag(MB2_TAG_EFI64, &efi64, 8);
	tag_rsdp(MB2_TAG_ACPI_OLD, 0, 20, 'o');
	tag_rsdp(MB2_TAG_ACPI_NEW, 2, 36, 'n');
	uint8_t efi_mmap[8 + 2 * 48] = {48, 0, 0, 0, 1};
	tag(MB2_TAG_EFI_MMAP, efi_mmap, sizeof(efi_mmap));
	return finish();
}

/* The result of a successful parse must point only inside the info. */
static void check_result(const uint8_t *info, size_t size)
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
static enum mb2_error parse_exact(const uint8_t *src, size_t len)
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

/* Every prefix with total_size claiming the full info: SIZE, never a read past. */
Test(multiboot2, every_prefix_rejected)
{
	uint32_t total = build_rich_info();
	static uint8_t copy[sizeof(b.words)];
	memcpy(copy, bytes(), total);
	cr_assert_eq(parse_exact(copy, total), MB2_OK);
	for (size_t len = 0; len < total; len++)
		cr_assert_eq(parse_exact(copy, len), MB2_ERR_SIZE, "prefix %zu", len);
}

/* Every prefix with total_size cut to match: an error naming the cut tag. */
Test(multiboot2, every_truncation_rejected)
{
	uint32_t total = build_rich_info();
	static uint8_t copy[sizeof(b.words)];
	for (uint32_t len = 16; len < total; len++) {
		memcpy(copy, bytes(), len);
		memcpy(copy, &len, 4);
		enum mb2_error err = parse_exact(copy, len);
		cr_assert(err == MB2_ERR_TAG || err == MB2_ERR_NO_END, "cut at %u: %s", len,
			  mb2_strerror(err));
	}
}

/* Random byte corruption: any outcome but a crash or an out-of-bounds read. */
Test(multiboot2, random_corruption)
{
	uint32_t total = build_rich_info();
	static uint8_t copy[sizeof(b.words)];
	uint64_t rng = 0x2545f4914f6cdd1dull;
	size_t ok = 0;
	for (int round = 0; round < 20000; round++) {
		memcpy(copy, bytes(), total);
		int flips = 1 + round % 4;
		for (int f = 0; f < flips; f++) {
			xorshift64(&rng);
			size_t at = (size_t)(rng >> 8) % total;
			copy[at] = (uint8_t)(round & 1 ? rng : copy[at] ^ (1u << (rng % 8)));
		}
		if (parse_exact(copy, total) == MB2_OK)
			ok++;
	}
	/* flips inside strings and addresses parse fine: the test saw both outcomes */
	cr_assert_gt(ok, 0);
	cr_assert_lt(ok, 20000);
}

/* ---- infos GRUB really passed ------------------------------------------ */

/*
 * Dumped at kmain with gdb (QEMU 7.2 -M q35 -m 512M, GRUB 2.06, SeaBIOS 1.16
 * or OVMF 2022.11): `monitor pmemsave <info_phys> 65536`, cut to total_size.
 * Read relative to the repository root, where `make test-kernel-unit` runs.
 */
static uint8_t *load_capture(const char *name, size_t *size)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/kernel/data/%s", name);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s (run from the repository root)", path);
	static uint8_t buf[64 * 1024];
	*size = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	cr_assert_gt(*size, 16);
	uint8_t *info = malloc(*size); /* exact size: ASan sees any read past it */
	cr_assert_not_null(info);
	memcpy(info, buf, *size);
	return info;
}

static struct memmap grub_map;

/* The kernel's boot path on the host: parse, then build the map. */
static void build_map_from(const uint64_t image_end)
{
	struct boot_range keep[2] = {{0x200000, image_end}, bi.info};
	cr_assert_eq(memmap_build(&bi.mmap, keep, 2, &grub_map), MEMMAP_OK);
}

Test(multiboot2, grub_bios_capture)
{
	size_t size;
	uint8_t *info = load_capture("grub-bios-q35-512m.mbi", &size);
	cr_assert_eq(mb2_parse(MB2_BOOTLOADER_MAGIC, info, 0x16f1c8, size, &bi), MB2_OK);
	cr_assert_eq(bi.info.start, 0x16f1c8);
	cr_assert_eq(bi.info.end, 0x16f1c8 + 2544);
	cr_assert_str_eq(bi.loader, "GRUB 2.06-13+deb12u2");
	cr_assert_str_eq(bi.cmdline, "");
	cr_assert_eq(bi.mmap.count, 9);
	cr_assert_eq(fw_entry(3).base, 0x100000);
	cr_assert_eq(fw_entry(3).length, 0x1fedf000);
	cr_assert_eq(fw_entry(3).type, BOOT_MEM_AVAILABLE);
	cr_assert_eq(fw_entry(8).base, 0xfd00000000);
	cr_assert(bi.fb.present); /* GRUB set a VBE mode */
	cr_assert_eq(bi.fb.addr, 0xfd000000);
	cr_assert_eq(bi.fb.width, 1024);
	cr_assert_eq(bi.fb.height, 768);
	cr_assert_eq(bi.fb.bpp, 32);
	cr_assert_eq(bi.rsdp_size, 20); /* SeaBIOS: ACPI 1.0 RSDP, tag 14 only */
	cr_assert_eq(bi.rsdp_revision, 0);
	cr_assert_eq(memcmp(bi.rsdp, "RSD PTR ", 8), 0);
	cr_assert_not(bi.efi);
	cr_assert_eq(bi.module_count, 0);

	build_map_from(0x536a40);
	cr_assert_eq(grub_map.usable_bytes, 532312064); /* as the kernel printed on that boot */
	cr_assert_eq(grub_map.top_usable, 0x1ffdf000);
	free(info);
}

Test(multiboot2, grub_uefi_capture)
{
	size_t size;
	uint8_t *info = load_capture("grub-uefi-q35-512m.mbi", &size);
	cr_assert_eq(mb2_parse(MB2_BOOTLOADER_MAGIC, info, 0x77000, size, &bi), MB2_OK);
	cr_assert_eq(bi.info.end - bi.info.start, 7912);
	cr_assert_eq(bi.mmap.count, 20);
	cr_assert_eq(fw_entry(11).type, 20); /* runtime services code */
	cr_assert(bi.efi);
	cr_assert_eq(bi.efi_system_table, 0x1f5ec018);
	cr_assert_eq(bi.rsdp_size, 36); /* tag 15 preferred over the 14 before it */
	cr_assert_eq(bi.rsdp_revision, 2);
	cr_assert_eq(bi.efi_desc_size, 48);
	cr_assert_eq(bi.efi_mmap_size, 123 * 48);
	cr_assert_not(bi.fb.present);

	build_map_from(0x536a40);
	/* the info below 1 MiB is KERNEL, so the trampoline page is elsewhere */
	uint64_t low = memmap_low_page(&grub_map);
	cr_assert(low != 0 && (low + 4096 <= bi.info.start || low >= bi.info.end));
	/* [1M, 8M) less the image, 3 + 4 pages between the NVS areas, and the
	 * three usable ranges above 9 MiB */
	uint64_t want = (0x800000 - 0x100000) - (0x537000 - 0x200000) + 0x3000 + 0x4000 +
			0x1e1ba000 + 0x972000 + 0x759000;
	cr_assert_eq(grub_map.usable_bytes, want);
	free(info);
}

/* Every prefix of the real UEFI info: an error, never a read past it. */
Test(multiboot2, grub_uefi_capture_truncated)
{
	size_t size;
	uint8_t *info = load_capture("grub-uefi-q35-512m.mbi", &size);
	for (uint32_t len = 16; len < size; len += 4) {
		memcpy(info, &len, 4);
		enum mb2_error err = parse_exact(info, len);
		cr_assert(err == MB2_ERR_TAG || err == MB2_ERR_NO_END, "cut at %u: %s", len,
			  mb2_strerror(err));
	}
	free(info);
}
