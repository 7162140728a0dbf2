/* ACPI registers by address space (see acpi_reg.h). */
#include "dev/acpi_reg.h"

#include "arch/paging.h"
#include "firmware/acpi.h"

enum acpi_reg_error acpi_reg_map(struct acpi_reg *r, uint8_t space, uint64_t address, size_t bytes)
{
	*r = (struct acpi_reg){ 0 };
	if (space == ACPI_GAS_SYSTEM_IO) {
		if (address == 0 || address > 0xffff)
			return ACPI_REG_BAD_PORT;
		r->port = (uint16_t)address;
		return ACPI_REG_OK;
	}
	if (space != ACPI_GAS_SYSTEM_MEMORY)
		return ACPI_REG_BAD_SPACE;
	r->mmio = paging_map_mmio(address, bytes);
	return ACPI_REG_OK;
}
