/*
 * FADT parsing: PM timer location and width, reset register.
 * ACPI Specification 6.5, 5.2.9 and 4.8.3.3. See fadt.h for the contract.
 */
#include "firmware/fadt.h"

#include "lib/string.h"

/* Does a table of `length` bytes hold the field ending at `end`? */
static bool covers(const struct fadt *f, size_t end)
{
	return f->sdt.length >= end;
}

#define FADT_COVERS(f, field) covers((f), offsetof(struct fadt, field) + sizeof((f)->field))

static bool usable_space(uint8_t space)
{
	return space == ACPI_GAS_SYSTEM_IO || space == ACPI_GAS_SYSTEM_MEMORY;
}

static struct fadt_pm_timer find_pm_timer(const struct fadt *f)
{
	struct fadt_pm_timer t = { 0 };

	if (f->flags & FADT_FLAG_HW_REDUCED_ACPI)
		return t;
	t.bits = (f->flags & FADT_FLAG_TMR_VAL_EXT) ? 32 : 24;
	/* 5.2.9: when X_PM_TMR_BLK is non-zero, OSPM uses it over PM_TMR_BLK. */
	if (FADT_COVERS(f, x_pm_tmr_blk) && f->x_pm_tmr_blk.address != 0 &&
	    usable_space(f->x_pm_tmr_blk.address_space_id)) {
		t.present = true;
		t.address_space = f->x_pm_tmr_blk.address_space_id;
		t.address = f->x_pm_tmr_blk.address;
		t.from_x_block = true;
		return t;
	}
	if (f->pm_tmr_blk != 0 && f->pm_tmr_len == ACPI_PM_TIMER_LEN) {
		t.present = true;
		t.address_space = ACPI_GAS_SYSTEM_IO;
		t.address = f->pm_tmr_blk;
	}
	return t;
}

static struct fadt_reset find_reset(const struct fadt *f)
{
	struct fadt_reset r = { 0 };

	if (!(f->flags & FADT_FLAG_RESET_REG_SUP) || !FADT_COVERS(f, reset_value))
		return r;
	if (f->reset_reg.address == 0)
		return r;
	r.present = true;
	r.reg = f->reset_reg;
	r.value = f->reset_value;
	return r;
}

enum acpi_error fadt_parse(const struct acpi_sdt_header *table, struct fadt_info *out)
{
	memset(out, 0, sizeof(*out));
	enum acpi_error err = acpi_table_check(table, FADT_SIGNATURE, FADT_V1_LENGTH);
	if (err != ACPI_OK)
		return err;

	/* Only fields below `length` are read; covers() guards the later ones. */
	const struct fadt *f = (const void *)table;
	out->revision = table->revision;
	out->cmos_rtc_absent = (f->iapc_boot_arch & FADT_IAPC_CMOS_RTC_NOT_PRESENT) != 0;
	out->pm_timer = find_pm_timer(f);
	out->reset = find_reset(f);
	return ACPI_OK;
}
