/*
 * The physical memory map: firmware entries (multiboot2 tag 6, i.e. the
 * E820 / UEFI map as GRUB reports it) turned into sorted, non-overlapping,
 * coalesced ranges. Design: shared/design/kernel.md, "Boot".
 *
 * The map is built by painting: firmware entries are painted in rank order,
 * lowest first (USABLE, ACPI, NVS, RESERVED), each overwriting what lies
 * below it, so the more restrictive type wins wherever entries overlap and
 * the input order does not matter. Then the kernel's own ranges and the first
 * MiB take the usable bytes they cover, and usable ranges are rounded inward
 * to whole pages. Pure computation on fixed-size tables: no allocation.
 */
#include "mm/memmap.h"

#include <stdbool.h>

#include "lib/align.h"
#include "lib/string.h"

static uint64_t page_down(uint64_t x)
{
	return align_down(x, MEMMAP_PAGE);
}

/* Callers check that x + MEMMAP_PAGE - 1 does not wrap. */
static uint64_t page_up(uint64_t x)
{
	return align_up(x, MEMMAP_PAGE);
}

/* Firmware type to map type: only type 1 is RAM we may use; unknown types
 * (GRUB passes UEFI's persistent memory as 7, firmware code as 20) are reserved. */
static enum memmap_type classify(uint32_t firmware_type)
{
	switch (firmware_type) {
	case BOOT_MEM_AVAILABLE:
		return MEMMAP_USABLE;
	case BOOT_MEM_ACPI_RECLAIMABLE:
		return MEMMAP_ACPI;
	case BOOT_MEM_NVS:
		return MEMMAP_NVS;
	default:
		return MEMMAP_RESERVED;
	}
}

/* Firmware types in the order they are painted: the last one wins an overlap. */
static const enum memmap_type paint_order[] = {
	MEMMAP_USABLE, MEMMAP_ACPI, MEMMAP_NVS, MEMMAP_RESERVED,
};

/*
 * Make [start, end) one range of `type`, cutting whatever it overlaps and
 * joining touching neighbours of the same type, so the map stays sorted,
 * non-overlapping and coalesced after every call. Ranges of another type that
 * stick out on either side keep their outer part.
 */
static enum memmap_error paint(struct memmap *map, uint64_t start, uint64_t end,
			       enum memmap_type type)
{
	struct memmap_range *r = map->ranges;
	size_t n = map->count;

	/* [i, j): the ranges overlapping [start, end). */
	size_t i = 0;
	while (i < n && r[i].end <= start)
		i++;
	size_t j = i;
	while (j < n && r[j].start < end)
		j++;

	struct memmap_range pieces[3];
	size_t k = 0;
	if (i < j && r[i].start < start) {
		if (r[i].type == type)
			start = r[i].start;
		else
			pieces[k++] = (struct memmap_range){r[i].start, start, r[i].type};
	} else if (i > 0 && r[i - 1].end == start && r[i - 1].type == type) {
		start = r[--i].start;
	}
	size_t middle = k++;
	if (i < j && r[j - 1].end > end) {
		if (r[j - 1].type == type)
			end = r[j - 1].end;
		else
			pieces[k++] = (struct memmap_range){end, r[j - 1].end, r[j - 1].type};
	} else if (j < n && r[j].start == end && r[j].type == type) {
		end = r[j++].end;
	}
	pieces[middle] = (struct memmap_range){start, end, type};

	size_t new_count = n - (j - i) + k;
	if (new_count > MEMMAP_MAX)
		return MEMMAP_ERR_TOO_MANY;
	memmove(&r[i + k], &r[j], (n - j) * sizeof(*r));
	memcpy(&r[i], pieces, k * sizeof(*r));
	map->count = new_count;
	return MEMMAP_OK;
}

/* Give the usable bytes inside [start, end) to `type` (KERNEL or LOW). */
static enum memmap_error take_usable(struct memmap *map, uint64_t start, uint64_t end,
				     enum memmap_type type)
{
	for (size_t i = 0; i < map->count; i++) {
		const struct memmap_range *r = &map->ranges[i];
		if (r->start >= end)
			break;
		if (r->type != MEMMAP_USABLE || r->end <= start)
			continue;
		enum memmap_error err = paint(map, max_u64(r->start, start), min_u64(r->end, end), type);
		if (err != MEMMAP_OK)
			return err;
		/* What is left of r lies outside [start, end). A merge with
		 * the range before moves the rest down by one: step back so
		 * that none is skipped. */
		if (i > 0)
			i--;
	}
	return MEMMAP_OK;
}

static enum memmap_error check_input(const struct boot_mmap *fw, const struct boot_range *keep,
				     size_t keep_count)
{
	for (size_t i = 0; i < fw->count; i++) {
		struct boot_mmap_entry e = boot_mmap_get(fw, i);
		if (e.length > UINT64_MAX - e.base)
			return MEMMAP_ERR_OVERFLOW;
	}
	for (size_t i = 0; i < keep_count; i++) {
		if (keep[i].end < keep[i].start)
			return MEMMAP_ERR_KEEP;
		if (keep[i].end > page_down(UINT64_MAX))
			return MEMMAP_ERR_OVERFLOW;
	}
	return MEMMAP_OK;
}

static bool overlaps_any(const struct memmap *map, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < map->count && map->ranges[i].start < end; i++) {
		if (map->ranges[i].end > start)
			return true;
	}
	return false;
}

static enum memmap_error paint_firmware(struct memmap *map, const struct boot_mmap *fw)
{
	for (size_t i = 0; i < fw->count; i++) {
		uint32_t type = boot_mmap_get(fw, i).type;
		map->fw_unknown += type == 0 || type > BOOT_MEM_BADRAM;
	}
	for (size_t t = 0; t < sizeof(paint_order) / sizeof(paint_order[0]); t++) {
		for (size_t i = 0; i < fw->count; i++) {
			struct boot_mmap_entry e = boot_mmap_get(fw, i);
			if (e.length == 0 || classify(e.type) != paint_order[t])
				continue;
			map->fw_overlaps += overlaps_any(map, e.base, e.base + e.length);
			enum memmap_error err = paint(map, e.base, e.base + e.length, paint_order[t]);
			if (err != MEMMAP_OK)
				return err;
		}
	}
	return MEMMAP_OK;
}

/* Our ranges first (whole pages), then the rest of the first MiB. */
static enum memmap_error take_kernel_ranges(struct memmap *map, const struct boot_range *keep,
					   size_t keep_count)
{
	for (size_t i = 0; i < keep_count; i++) {
		if (keep[i].start == keep[i].end)
			continue;
		enum memmap_error err = take_usable(map, page_down(keep[i].start),
						    page_up(keep[i].end), MEMMAP_KERNEL);
		if (err != MEMMAP_OK)
			return err;
	}
	return take_usable(map, 0, MEMMAP_LOW_END, MEMMAP_LOW);
}

/* Free RAM in whole pages only: a partial page shares bytes with firmware. */
static void round_free_ranges(struct memmap *map)
{
	size_t kept = 0;
	for (size_t i = 0; i < map->count; i++) {
		struct memmap_range r = map->ranges[i];
		if (r.type == MEMMAP_USABLE || r.type == MEMMAP_LOW) {
			r.start = r.start > page_down(UINT64_MAX) ? UINT64_MAX : page_up(r.start);
			r.end = page_down(r.end);
			if (r.start >= r.end)
				continue;
		}
		map->ranges[kept++] = r;
	}
	map->count = kept;
}

static void sum_up(struct memmap *map)
{
	for (size_t i = 0; i < map->count; i++) {
		const struct memmap_range *r = &map->ranges[i];
		if (r->type == MEMMAP_USABLE) {
			map->usable_bytes += r->end - r->start;
			map->top_usable = r->end;
		}
		map->top_any = r->end;
	}
}

enum memmap_error memmap_build(const struct boot_mmap *fw, const struct boot_range *keep, size_t keep_count,
			       struct memmap *out)
{
	memset(out, 0, sizeof(*out));
	enum memmap_error err = check_input(fw, keep, keep_count);
	if (err == MEMMAP_OK)
		err = paint_firmware(out, fw);
	if (err == MEMMAP_OK)
		err = take_kernel_ranges(out, keep, keep_count);
	if (err != MEMMAP_OK)
		return err;
	round_free_ranges(out);
	sum_up(out);
	return out->usable_bytes == 0 ? MEMMAP_ERR_EMPTY : MEMMAP_OK;
}

uint64_t memmap_low_page(const struct memmap *map)
{
	for (size_t i = 0; i < map->count; i++) {
		const struct memmap_range *r = &map->ranges[i];
		if (r->type != MEMMAP_LOW)
			continue;
		/* LOW ranges are whole pages; page 0 stays unmapped. */
		uint64_t page = max_u64(r->start, MEMMAP_PAGE);
		if (page < r->end)
			return page;
	}
	return 0;
}

const char *memmap_strerror(enum memmap_error err)
{
	static const char *const names[MEMMAP_ERR_COUNT] = {
		[MEMMAP_OK] = "ok",
		[MEMMAP_ERR_EMPTY] = "no usable RAM",
		[MEMMAP_ERR_TOO_MANY] = "more ranges than the memory map holds",
		[MEMMAP_ERR_OVERFLOW] = "range wraps past the end of the address space",
		[MEMMAP_ERR_KEEP] = "kernel range ends before it starts",
	};
	if ((unsigned)err >= MEMMAP_ERR_COUNT)
		return "unknown memory map error";
	return names[err];
}

const char *memmap_type_name(enum memmap_type type)
{
	switch (type) {
	case MEMMAP_USABLE:
		return "usable";
	case MEMMAP_RESERVED:
		return "reserved";
	case MEMMAP_ACPI:
		return "acpi";
	case MEMMAP_NVS:
		return "nvs";
	case MEMMAP_KERNEL:
		return "kernel";
	case MEMMAP_LOW:
		return "low";
	}
	return "?";
}
