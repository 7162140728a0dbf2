/*
 * QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=0x04):
 * a write of V makes QEMU exit with status (V << 1) | 1. Real hardware has
 * nothing at port 0xf4 and ignores the write, so callers fall through.
 */
#ifndef KERNEL_DEV_DEBUG_EXIT_H
#define KERNEL_DEV_DEBUG_EXIT_H

#include <stdint.h>

#define DEBUG_EXIT_PORT 0xf4
/* QEMU exit status 33 for ok, 35 for fail (run-qemu.sh knows both). */
#define DEBUG_EXIT_OK 0x10
#define DEBUG_EXIT_FAIL 0x11 /* boot/entry.asm uses the same value */

void debug_exit(uint32_t value);

#endif
