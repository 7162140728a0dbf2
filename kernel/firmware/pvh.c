/*
 * PVH start info -> struct boot_info (see pvh.h). Every pointer in the
 * start info is physical and checked through `map` before use.
 */
#include "firmware/pvh.h"

#include "lib/string.h"

#define RSDP_V1_SIZE 20
#define RSDP_REVISION_OFFSET 15
#define RSDP_LENGTH_OFFSET 20
#define RSDP_V2_MIN_SIZE 36

static const char *copy_cmdline(uint64_t phys, pvh_map_fn map, struct boot_info *out)
{
	out->cmdline[0] = '\0';
	if (!phys)
		return NULL;
	for (size_t i = 0; i < BOOT_CMDLINE_MAX; i++) {
		const char *c = map(phys + i, 1);
		if (!c)
			return "PVH command line not reachable";
		out->cmdline[i] = *c;
		if (*c == '\0')
			return NULL;
	}
	out->cmdline[BOOT_CMDLINE_MAX - 1] = '\0';
	return "PVH command line longer than BOOT_CMDLINE_MAX";
}

static const char *copy_memmap(const struct hvm_start_info *si, pvh_map_fn map, struct boot_info *out)
{
	if (si->version < 1 || si->memmap_entries == 0)
		return "PVH start info has no memory map (version 0): refusing to guess RAM";
	/* Read in place, however many entries there are (struct boot_mmap). */
	const struct hvm_memmap_entry *e =
		map(si->memmap_paddr, (uint64_t)si->memmap_entries * sizeof(*e));
	if (!e)
		return "PVH memory map not reachable";
	out->mmap = (struct boot_mmap){ e, sizeof(*e), si->memmap_entries };
	return NULL;
}

static const char *copy_modules(const struct hvm_start_info *si, pvh_map_fn map, struct boot_info *out)
{
	if (si->nr_modules == 0)
		return NULL;
	if (si->nr_modules > BOOT_MODULES_MAX)
		return "PVH start info has more modules than BOOT_MODULES_MAX";
	const struct hvm_modlist_entry *m = map(si->modlist_paddr, si->nr_modules * sizeof(*m));
	if (!m)
		return "PVH module list not reachable";
	for (uint32_t i = 0; i < si->nr_modules; i++)
		out->modules[i] = (struct boot_range){ m[i].paddr, m[i].paddr + m[i].size };
	out->module_count = si->nr_modules;
	return NULL;
}

static void find_rsdp(uint64_t phys, pvh_map_fn map, struct boot_info *out)
{
	const uint8_t *r = phys ? map(phys, RSDP_V2_MIN_SIZE) : NULL;
	if (!r)
		return;
	out->rsdp = r;
	out->rsdp_revision = r[RSDP_REVISION_OFFSET];
	out->rsdp_size = out->rsdp_revision >= 2 ? boot_read_u32(r + RSDP_LENGTH_OFFSET)
						 : RSDP_V1_SIZE;
}

const char *pvh_parse(uint64_t phys, pvh_map_fn map, struct boot_info *out)
{
	memset(out, 0, sizeof(*out));
	const struct hvm_start_info *si = map(phys, sizeof(*si));
	if (!si)
		return "PVH start info not reachable";
	if (si->magic != PVH_START_MAGIC)
		return "PVH start info has a wrong magic";

	out->info = (struct boot_range){ phys, phys + sizeof(*si) };
	memcpy(out->loader, "PVH", 4);
	const char *err = copy_cmdline(si->cmdline_paddr, map, out);
	if (!err)
		err = copy_memmap(si, map, out);
	if (!err)
		err = copy_modules(si, map, out);
	if (!err)
		find_rsdp(si->rsdp_paddr, map, out);
	return err;
}
