/*
 * Resetting the machine (reboot=1 after the verdict), in the order Linux
 * tries on x86 by default: the ACPI reset register (FADT RESET_REG, ACPI
 * 6.5, 4.8.3.6, and 5.2.9: system I/O or memory space, 8 bits wide), then
 * the 8042 keyboard controller's pulse-reset command (0xfe to port 0x64),
 * then a triple fault, which every x86 honours. A hardware-reduced platform
 * (QEMU's microvm, many current boards) has no 8042: there the register is
 * the reset that works.
 */
#ifndef KERNEL_DEV_RESET_H
#define KERNEL_DEV_RESET_H

#include "firmware/fadt.h"

/* The FADT's reset register, if it has a usable one (after paging_init: it may be MMIO). */
void reset_set_acpi(const struct fadt_reset *reg);
/* Reset now; bounded waits between the methods. */
__attribute__((noreturn)) void machine_reset(void);

#endif
