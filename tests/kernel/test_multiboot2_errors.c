/*
 * Host tests of kernel/firmware/multiboot2.c on malformed infos: the fixed
 * part, every kind of broken tag, and the sweeps (every prefix, every
 * truncation, random corruption) with each info in a heap block of exactly
 * its size, so that ASan catches any read past it.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mb2_builder.h"
#include "rand.h"

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
