/*
 * ACPI PM timer (ACPI 6.5, 4.8.3.3): read TMR_VAL by I/O port or MMIO.
 */
#include "dev/pmtimer.h"

#include "dev/acpi_reg.h"
#include "lib/printf.h"

static bool present;
static struct acpi_reg tmr_val;
static uint64_t mask;

bool pmtimer_init(const struct fadt_pm_timer *timer)
{
	if (!timer->present)
		return false;
	mask = timer->bits == 32 ? 0xFFFFFFFFull : 0xFFFFFFull;
	enum acpi_reg_error err = acpi_reg_map(&tmr_val, timer->address_space, timer->address, 4);
	if (err == ACPI_REG_BAD_PORT)
		kprintf("WARN msg=\"PM timer port 0x%llx invalid\"\n", (unsigned long long)timer->address);
	if (err != ACPI_REG_OK)
		return false;
	present = true;
	return true;
}

bool pmtimer_present(void)
{
	return present;
}

uint64_t pmtimer_read(void)
{
	return acpi_reg_read32(&tmr_val) & mask;
}

uint64_t pmtimer_mask(void)
{
	return mask;
}
