/*
 * Host tests of kernel/firmware/multiboot2.c on the infos GRUB really
 * passed (tests/kernel/data/), parsed and turned into memory maps.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mb2_builder.h"
#include "mm/memmap.h"

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
