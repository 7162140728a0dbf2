/*
 * Framebuffer text console: mirrors the console to a linear RGB framebuffer
 * (multiboot2 tag 8; boot/header.asm asks GRUB for 1024x768x32) so that a
 * machine without a serial port still shows the run and its verdict.
 *
 * White 8x16 glyphs (kernel/dev/fbfont.c) on black, scaled up on screens
 * wider than FBCON_COLUMNS_MAX cells. The text lives in a shadow grid in
 * RAM: at the bottom the grid moves up a whole line and only the cells that
 * changed are drawn again, so video memory is only ever written, never
 * read (reading it back is slow on real hardware). Long lines wrap at the
 * last space that fits and continue indented. The text printed before
 * fbcon_init (kept by the console, lib/printf.h) is replayed, so the BOOT
 * line is on screen too.
 *
 * At the end of a run the summary (kernel/summary.c) takes the screen over
 * as a page: the console stops drawing, the page's text fills the left part
 * and QR codes the right part, and it stays.
 */
#ifndef KERNEL_DEV_FBCON_H
#define KERNEL_DEV_FBCON_H

#include <stdbool.h>

#include "firmware/boot_info.h"
#include "lib/qr.h"

#define FBCON_COLUMNS_MAX 256
#define FBCON_ROWS_MAX 128

/* Start the console on `fb` (after paging_init); false, with a WARN line, if unusable. */
bool fbcon_init(const struct boot_framebuffer *fb);
bool fbcon_present(void);
/* Draw one character; a no-op until fbcon_init succeeded or once a page began. Console lock held. */
void fbcon_putc(char c);

/* Page: clear the screen and keep the console off it; text wraps within `text_columns`. */
void fbcon_page_begin(unsigned text_columns);
/* Text at the page's cursor, inverse video on request; what does not fit below is dropped. */
void fbcon_page_puts(const char *s, bool inverse);
/* A QR code right of the page's text, as large as fits, with a caption line below it. */
void fbcon_page_qr(const struct qr *qr, const char *caption);

#endif
