/*
 * Printing the memory map for people reading the boot log: the firmware's
 * entries as reported, and the map built from them (kernel/mm/memmap.c).
 * Kept apart from memmap.c so that the pure builder also compiles on the host.
 * The machine-read MEM line comes after the allocator is up (serial-log.md).
 */
#include "lib/printf.h"
#include "mm/memmap.h"

#define KiB 1024ull

static const char *firmware_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_AVAILABLE:
		return "available";
	case BOOT_MEM_RESERVED:
		return "reserved";
	case BOOT_MEM_ACPI_RECLAIMABLE:
		return "acpi";
	case BOOT_MEM_NVS:
		return "nvs";
	case BOOT_MEM_BADRAM:
		return "badram";
	default:
		return "other";
	}
}

void memmap_print_firmware(const struct boot_mmap *fw)
{
	kprintf("memmap: firmware reports %zu entries\n", fw->count);
	for (size_t i = 0; i < fw->count && i < MEMMAP_PRINT_FIRMWARE_MAX; i++) {
		struct boot_mmap_entry e = boot_mmap_get(fw, i);
		kprintf("memmap:   fw 0x%016llx +0x%016llx type %u (%s)\n", (unsigned long long)e.base,
			(unsigned long long)e.length, e.type, firmware_type_name(e.type));
	}
	if (fw->count > MEMMAP_PRINT_FIRMWARE_MAX)
		kprintf("memmap:   ... %zu more firmware entries not listed\n", fw->count - MEMMAP_PRINT_FIRMWARE_MAX);
}

void memmap_print(const struct memmap *map)
{
	kprintf("memmap: %zu ranges\n", map->count);
	for (size_t i = 0; i < map->count; i++) {
		const struct memmap_range *r = &map->ranges[i];
		kprintf("memmap:   [0x%016llx, 0x%016llx) %-8s %llu KiB\n",
			(unsigned long long)r->start, (unsigned long long)r->end,
			memmap_type_name(r->type), (unsigned long long)((r->end - r->start) / KiB));
	}
	kprintf("memmap: usable %llu MiB (%llu bytes), top usable 0x%llx, top of map 0x%llx\n",
		(unsigned long long)(map->usable_bytes / (KiB * KiB)),
		(unsigned long long)map->usable_bytes, (unsigned long long)map->top_usable,
		(unsigned long long)map->top_any);
	if (map->fw_overlaps != 0)
		kprintf("memmap: overlapping firmware entries: %zu, the more restrictive type won\n",
			map->fw_overlaps);
	if (map->fw_unknown != 0)
		kprintf("memmap: firmware entries of unknown type: %zu, kept reserved\n", map->fw_unknown);
}
