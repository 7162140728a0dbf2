/*
 * Host unit tests of kernel/firmware/multiboot2.c on infos crafted by a small
 * builder (Multiboot2 spec 2.0, 3.6): every tag the parser reads, each kind
 * of malformed input, and truncation / corruption sweeps under ASan, where
 * every info lies in a heap block of exactly its size. Two infos that GRUB
 * really passed (tests/kernel/data/) are parsed and turned into memory maps.
 * This file: valid infos, strings, ACPI, EFI and framebuffer; the malformed
 * ones (modules included) and the sweeps: test_multiboot2_errors.c; GRUB's infos:
 * test_multiboot2_grub.c; the builder: mb2_builder.h.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mb2_builder.h"
#include "mm/memmap.h"

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
