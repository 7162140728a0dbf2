/*
 * A register an ACPI table names by address space and address (Generic
 * Address Structure, ACPI 6.5, 5.2.3.2): an I/O port or uncached MMIO. The
 * PM timer (dev/pmtimer.c) reads one, the reset register (dev/reset.c)
 * writes one.
 */
#ifndef KERNEL_DEV_ACPI_REG_H
#define KERNEL_DEV_ACPI_REG_H

#include <stddef.h>
#include <stdint.h>

#include "arch/cpu.h"

struct acpi_reg {
	uint16_t port;           /* system I/O space: the port; 0 for MMIO */
	volatile uint8_t *mmio;  /* system memory space: mapped uncached; NULL for I/O */
};

enum acpi_reg_error {
	ACPI_REG_OK,
	ACPI_REG_BAD_PORT,  /* I/O space, but 0 or above 0xffff */
	ACPI_REG_BAD_SPACE, /* neither I/O nor memory space (PCI configuration, ...) */
};

/* Reach `bytes` at `address` in `space` (ACPI_GAS_*); memory is mapped (after paging_init). */
enum acpi_reg_error acpi_reg_map(struct acpi_reg *r, uint8_t space, uint64_t address, size_t bytes);

static inline uint32_t acpi_reg_read32(const struct acpi_reg *r)
{
	return r->mmio ? *(volatile uint32_t *)r->mmio : inl(r->port);
}

static inline void acpi_reg_write8(const struct acpi_reg *r, uint8_t v)
{
	if (r->mmio)
		*r->mmio = v;
	else
		outb(r->port, v);
}

#endif
