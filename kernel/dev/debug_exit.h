/*
 * QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=0x04):
 * a write of V makes QEMU exit with status (V << 1) | 1.
 *
 * The port is written only where QEMU with the device is detected: the CPUID
 * hypervisor bit (Intel SDM Vol. 2A, CPUID leaf 01H ECX[31], "not used by
 * hardware", always 0 on a real CPU) and a read of the port that returns 0
 * (the device's read value; QEMU returns all ones from an unassigned port).
 * Real hardware may have something at port 0xf4, so the kernel neither reads
 * nor writes it there (docs/hardware.md).
 */
#ifndef KERNEL_DEV_DEBUG_EXIT_H
#define KERNEL_DEV_DEBUG_EXIT_H

#include <stdint.h>

#define DEBUG_EXIT_PORT 0xf4
/* QEMU exit status 33 for ok, 35 for fail (run-qemu.sh knows both). */
#define DEBUG_EXIT_OK 0x10
#define DEBUG_EXIT_FAIL 0x11 /* boot/entry.asm uses the same value */

/* Exit QEMU with `value` where the device is present; returns otherwise. */
void debug_exit(uint32_t value);

#endif
