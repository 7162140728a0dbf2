/*
 * ACPI PM timer (ACPI 6.5, 4.8.3.3): read TMR_VAL by I/O port or MMIO.
 */
#include "dev/pmtimer.h"

#include "arch/cpu.h"
#include "arch/paging.h"
#include "lib/printf.h"

static bool present;
static bool is_io;
static uint16_t port;
static volatile uint32_t *mmio;
static uint64_t mask;

bool pmtimer_init(const struct fadt_pm_timer *timer)
{
	if (!timer->present)
		return false;
	mask = timer->bits == 32 ? 0xFFFFFFFFull : 0xFFFFFFull;
	if (timer->address_space == ACPI_GAS_SYSTEM_IO) {
		if (timer->address == 0 || timer->address > 0xFFFF) {
			kprintf("WARN msg=\"PM timer port 0x%llx invalid\"\n", (unsigned long long)timer->address);
			return false;
		}
		is_io = true;
		port = (uint16_t)timer->address;
	} else if (timer->address_space == ACPI_GAS_SYSTEM_MEMORY) {
		is_io = false;
		mmio = (volatile uint32_t *)paging_map_mmio(timer->address, 4);
	} else {
		return false;
	}
	present = true;
	return true;
}

bool pmtimer_present(void)
{
	return present;
}

uint64_t pmtimer_read(void)
{
	uint32_t v = is_io ? inl(port) : *mmio;
	return v & mask;
}

uint64_t pmtimer_mask(void)
{
	return mask;
}
