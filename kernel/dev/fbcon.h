/*
 * Framebuffer text console: mirrors the console to a linear RGB framebuffer
 * (multiboot2 tag 8, requested by the header's framebuffer tag) on machines
 * without a serial port.
 */
#ifndef KERNEL_DEV_FBCON_H
#define KERNEL_DEV_FBCON_H

#include <stdbool.h>

#include "firmware/multiboot2.h"

/* Start the console on `fb` (needs the direct map); false if unusable (reason printed). */
bool fbcon_init(const struct boot_framebuffer *fb);
/* No-op until fbcon_init succeeded. */
void fbcon_putc(char c);

#endif
