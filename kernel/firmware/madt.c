/*
 * MADT parsing: CPUs (types 0 and 9), local APIC address (header, type 5), I/O APICs (type 1).
 * ACPI Specification 6.5, 5.2.12. See madt.h for the contract.
 */
#include "firmware/madt.h"

#include "lib/string.h"

/* The x2APIC id 0xFFFFFFFF is the x2APIC broadcast destination. */
#define MADT_X2APIC_ID_BROADCAST 0xffffffffu

/*
 * MADT revision 5 came with ACPI 6.3, which defined the Online Capable bit;
 * before it the bit is reserved. ACPI 6.2 errata B tables carry revision 45
 * and predate the bit.
 */
#define MADT_REVISION_ONLINE_CAPABLE 5u
#define MADT_REVISION_62B 45u

struct madt_walk {
	struct madt_info *out;
	uint32_t bsp_apic_id;
	bool bsp_found;
	bool online_capable_defined;
};

static bool cpu_listed(const struct madt_info *out, uint32_t apic_id)
{
	/* cpus[0] is the BSP slot, checked by the caller. */
	for (size_t i = 1; i < out->cpu_count; i++)
		if (out->cpus[i].apic_id == apic_id)
			return true;
	return false;
}

static void add_cpu(struct madt_walk *w, uint32_t apic_id, uint32_t uid, uint32_t flags,
		    bool x2apic_entry)
{
	struct madt_info *out = w->out;
	struct madt_cpu cpu = { .apic_id = apic_id, .acpi_processor_uid = uid,
				.x2apic_entry = x2apic_entry };

	if (!(flags & MADT_LAPIC_ENABLED)) {
		if (w->online_capable_defined && (flags & MADT_LAPIC_ONLINE_CAPABLE))
			out->online_capable++;
		else
			out->disabled++;
		return;
	}
	if (apic_id == w->bsp_apic_id) {
		if (w->bsp_found) {
			out->duplicates++;
		} else {
			out->cpus[0] = cpu;
			w->bsp_found = true;
		}
		return;
	}
	if (cpu_listed(out, apic_id)) {
		out->duplicates++;
		return;
	}
	if (out->cpu_count == MADT_CPUS_MAX) {
		out->dropped_cpus++;
		return;
	}
	out->cpus[out->cpu_count++] = cpu;
}

static void add_ioapic(struct madt_info *out, const struct madt_io_apic *e)
{
	if (out->ioapic_count == MADT_IOAPICS_MAX) {
		out->dropped_ioapics++;
		return;
	}
	out->ioapics[out->ioapic_count++] = (struct madt_ioapic){
		.id = e->io_apic_id, .address = e->io_apic_address, .gsi_base = e->gsi_base
	};
}

/* Structure size of the types we read; 2 (the bare header) for the rest. */
static size_t entry_min_length(unsigned type)
{
	switch (type) {
	case MADT_TYPE_LOCAL_APIC: return sizeof(struct madt_local_apic);
	case MADT_TYPE_IO_APIC: return sizeof(struct madt_io_apic);
	case MADT_TYPE_LOCAL_APIC_OVERRIDE: return sizeof(struct madt_local_apic_override);
	case MADT_TYPE_LOCAL_X2APIC: return sizeof(struct madt_local_x2apic);
	default: return sizeof(struct madt_entry_header);
	}
}

/* A local APIC or x2APIC entry: a CPU, unless an enabled entry claims the broadcast id. */
static void add_local_apic(struct madt_walk *w, uint32_t id, uint32_t broadcast, uint32_t uid, uint32_t flags,
			   bool x2apic)
{
	if (id == broadcast && (flags & MADT_LAPIC_ENABLED))
		w->out->invalid_ids++;
	else
		add_cpu(w, id, uid, flags, x2apic);
}

/* One entry whose length is already checked against its type and the table end. */
static void read_entry(struct madt_walk *w, const struct madt_entry_header *e)
{
	switch (e->type) {
	case MADT_TYPE_LOCAL_APIC: {
		const struct madt_local_apic *l = (const void *)e;
		add_local_apic(w, l->apic_id, MADT_XAPIC_ID_BROADCAST, l->acpi_processor_uid, l->flags, false);
		break;
	}
	case MADT_TYPE_LOCAL_X2APIC: {
		const struct madt_local_x2apic *x = (const void *)e;
		add_local_apic(w, x->x2apic_id, MADT_X2APIC_ID_BROADCAST, x->acpi_processor_uid, x->flags, true);
		break;
	}
	case MADT_TYPE_IO_APIC:
		add_ioapic(w->out, (const void *)e);
		break;
	case MADT_TYPE_LOCAL_APIC_OVERRIDE: {
		const struct madt_local_apic_override *o = (const void *)e;
		w->out->local_apic_address = o->local_apic_address;
		w->out->local_apic_overridden = true;
		break;
	}
	default:
		break;
	}
}

static void summarize_cpus(struct madt_info *out)
{
	for (size_t i = 0; i < out->cpu_count; i++) {
		uint32_t id = out->cpus[i].apic_id;
		if (id > out->max_apic_id)
			out->max_apic_id = id;
		if (id >= MADT_XAPIC_ID_BROADCAST)
			out->needs_x2apic = true;
	}
}

enum acpi_error madt_parse(const struct acpi_sdt_header *madt, uint32_t bsp_apic_id,
			   struct madt_info *out)
{
	memset(out, 0, sizeof(*out));
	enum acpi_error err = acpi_table_check(madt, MADT_SIGNATURE, sizeof(struct madt_header));
	if (err != ACPI_OK)
		return err;

	const struct madt_header *h = (const void *)madt;
	out->local_apic_address = h->local_apic_address;
	out->pcat_compat = (h->flags & MADT_PCAT_COMPAT) != 0;
	out->cpu_count = 1; /* cpus[0] is kept for the BSP */

	struct madt_walk w = {
		.out = out,
		.bsp_apic_id = bsp_apic_id,
		.online_capable_defined = madt->revision >= MADT_REVISION_ONLINE_CAPABLE &&
					  madt->revision != MADT_REVISION_62B,
	};
	struct acpi_entries it;
	const void *e;
	unsigned type;
	acpi_entries_begin(&it, madt, sizeof(*h), 1); /* u8 type, u8 length */
	while ((err = acpi_entries_next(&it, entry_min_length, &e, &type)) == ACPI_OK)
		read_entry(&w, e);
	if (err != ACPI_ERR_NOT_FOUND)
		return err;

	if (!w.bsp_found) {
		out->cpu_count = 0;
		return ACPI_ERR_NO_BSP;
	}
	summarize_cpus(out);
	if (out->dropped_cpus || out->dropped_ioapics)
		return ACPI_ERR_TOO_MANY;
	return ACPI_OK;
}
