/*
 * Framebuffer text console: mirrors the console to a linear RGB framebuffer
 * (multiboot2 tag 8; boot/header.asm asks GRUB for 1024x768x32) so that a
 * machine without a serial port still shows the run and its verdict.
 *
 * White 5x7 glyphs (kernel/dev/fbfont.c) on black, scaled to at least 80
 * columns. At the bottom the console wraps to the top row and clears the
 * line below the cursor (no scrolling: reading back uncached video memory
 * is slow on real hardware). The text printed before fbcon_init (kept by
 * the console, lib/printf.h) is replayed, so the BOOT line is on screen too.
 */
#ifndef KERNEL_DEV_FBCON_H
#define KERNEL_DEV_FBCON_H

#include <stdbool.h>

#include "firmware/multiboot2.h"

/* Start the console on `fb` (after paging_init); false, with a WARN line, if unusable. */
bool fbcon_init(const struct boot_framebuffer *fb);
/* Draw one character; a no-op until fbcon_init succeeded. Called with the console lock held. */
void fbcon_putc(char c);

#endif
