/*
 * ACPI power-management timer: a free-running 3.579545 MHz counter, 24 or
 * 32 bits wide. ACPI 6.5, 4.8.3.3 (PM timer) and 5.2.9 (FADT PM_TMR_BLK,
 * X_PM_TMR_BLK, TMR_VAL_EXT). Used once, to calibrate the TSC.
 */
#ifndef KERNEL_DEV_PMTIMER_H
#define KERNEL_DEV_PMTIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/fadt.h"

/* Take the timer the FADT describes; false (with the reason printed) if unusable. */
bool pmtimer_init(const struct fadt_pm_timer *timer);
bool pmtimer_present(void);
uint64_t pmtimer_read(void);
/* All-ones of the counter's width, for wrap-around subtraction. */
uint64_t pmtimer_mask(void);

#endif
