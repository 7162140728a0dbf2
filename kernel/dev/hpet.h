/*
 * HPET main counter, used to calibrate the TSC when there is no PM timer.
 * IA-PC HPET Specification 1.0a, 2.3 (register map): General Capabilities
 * and ID at 0x000, General Configuration at 0x010, Main Counter at 0x0F0.
 */
#ifndef KERNEL_DEV_HPET_H
#define KERNEL_DEV_HPET_H

#include <stdbool.h>
#include <stdint.h>

/* Map the HPET at `phys` (from the ACPI HPET table) and start its counter. */
bool hpet_init(uint64_t phys);
bool hpet_present(void);
uint64_t hpet_read(void);
uint64_t hpet_mask(void);
uint64_t hpet_hz(void);

#endif
