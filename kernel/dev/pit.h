/*
 * 8254 PIT channel 2 as a free-running counter for TSC calibration, the
 * last resort when neither the ACPI PM timer nor an HPET exists.
 * Intel 8254 datasheet: mode 2 (rate generator) from 0x10000, counter latch
 * command; the channel-2 gate is bit 0 of port 0x61 (PC/AT port B).
 *
 * Read as a counter (like the PM timer) rather than waited on: in a VM each
 * port read can be delayed by milliseconds, and a wait for the output pin
 * charges every such delay to the measured window (QEMU TCG: +2..20 %).
 */
#ifndef KERNEL_DEV_PIT_H
#define KERNEL_DEV_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u
#define PIT_COUNTER_MASK 0xFFFFu

/* Start channel 2 counting down from 0x10000, endlessly. */
void pit_counter_start(void);
/* Ticks counted so far, modulo 0x10000 (counts up). */
uint64_t pit_counter_read(void);

#endif
