/*
 * The framebuffer console's font: printable ASCII (0x20..0x7e), 5x7 pixels
 * in a 6x9 cell, drawn for this kernel. Each glyph is seven rows of five
 * characters, '#' for a lit pixel, so the table is its own picture.
 */
#ifndef KERNEL_DEV_FBFONT_H
#define KERNEL_DEV_FBFONT_H

#define FBFONT_FIRST 0x20
#define FBFONT_LAST 0x7e
#define FBFONT_WIDTH 5
#define FBFONT_HEIGHT 7

/* fbfont[c - FBFONT_FIRST][row][column] */
extern const char fbfont[FBFONT_LAST - FBFONT_FIRST + 1][FBFONT_HEIGHT][FBFONT_WIDTH + 1];

#endif
