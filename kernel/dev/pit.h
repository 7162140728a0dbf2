/*
 * 8254 PIT channel 2 as a one-shot gate for TSC calibration, the last
 * resort when neither the ACPI PM timer nor an HPET exists.
 * Intel 8254 datasheet (mode 0, "interrupt on terminal count"); the gate and
 * OUT2 are bits 0 and 5 of port 0x61 (NMI status and control on PC chipsets).
 */
#ifndef KERNEL_DEV_PIT_H
#define KERNEL_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u

/* Start a countdown of `ticks` (<= 65535) on channel 2. */
void pit_oneshot_start(uint16_t ticks);
/* True once the countdown reached zero. */
bool pit_oneshot_done(void);

#endif
