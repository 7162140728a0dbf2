/*
 * Framebuffer console (see fbcon.h). Multiboot2 spec 3.6.12: framebuffer
 * type 1 is direct RGB; any RGB layout shows all-ones bits as white.
 */
#include "dev/fbcon.h"

#include <stdint.h>

#include "arch/paging.h"
#include "dev/fbfont.h"
#include "lib/printf.h"

#define FB_TYPE_RGB 1
#define CELL_WIDTH (FBFONT_WIDTH + 1)
#define CELL_HEIGHT (FBFONT_HEIGHT + 2)
#define MIN_COLUMNS 80

static struct {
	bool on;
	uint8_t *base;
	uint32_t pitch, bytes_per_pixel, scale;
	uint32_t columns, rows;
	uint32_t column, row;
} con;

/* Video memory is mapped uncached: one write per pixel where the format allows. */
static void fill_pixel(uint32_t x, uint32_t y, bool lit)
{
	uint8_t *p = con.base + (uint64_t)y * con.pitch + (uint64_t)x * con.bytes_per_pixel;
	if (con.bytes_per_pixel == 4) {
		*(volatile uint32_t *)p = lit ? 0xffffffffu : 0;
		return;
	}
	for (uint32_t i = 0; i < con.bytes_per_pixel; i++)
		((volatile uint8_t *)p)[i] = lit ? 0xff : 0x00;
}

/* Draws the cell at (column, row): the glyph for c, or blank. */
static void draw_cell(uint32_t column, uint32_t row, char c)
{
	bool printable = c >= FBFONT_FIRST && c <= FBFONT_LAST;
	uint32_t x0 = column * CELL_WIDTH * con.scale, y0 = row * CELL_HEIGHT * con.scale;
	for (uint32_t gy = 0; gy < CELL_HEIGHT * con.scale; gy++) {
		uint32_t fy = gy / con.scale;
		for (uint32_t gx = 0; gx < CELL_WIDTH * con.scale; gx++) {
			uint32_t fx = gx / con.scale;
			bool lit = printable && fy < FBFONT_HEIGHT && fx < FBFONT_WIDTH &&
				   fbfont[c - FBFONT_FIRST][fy][fx] == '#';
			fill_pixel(x0 + gx, y0 + gy, lit);
		}
	}
}

static void clear_row(uint32_t row)
{
	for (uint32_t column = 0; column < con.columns; column++)
		draw_cell(column, row, ' ');
}

static void newline(void)
{
	con.column = 0;
	con.row = (con.row + 1) % con.rows;
	clear_row(con.row);
	clear_row((con.row + 1) % con.rows); /* a blank line marks where output wrapped */
}

void fbcon_putc(char c)
{
	if (!con.on)
		return;
	if (c == '\n') {
		newline();
		return;
	}
	if (c == '\r')
		return;
	if (con.column == con.columns)
		newline();
	draw_cell(con.column++, con.row, c);
}

static void replay_putc(char c) { fbcon_putc(c); }

bool fbcon_init(const struct boot_framebuffer *fb)
{
	if (fb->type != FB_TYPE_RGB || fb->bpp < 15 || fb->bpp > 32 || fb->bpp % 8 == 7) {
		kprintf("WARN msg=\"framebuffer type %u, %u bpp: not a linear RGB mode, no framebuffer "
			"console\"\n", fb->type, fb->bpp);
		return false;
	}
	uint32_t scale_x = fb->width / (MIN_COLUMNS * CELL_WIDTH);
	uint32_t scale_y = fb->height / (25 * CELL_HEIGHT);
	con.scale = scale_x < scale_y ? scale_x : scale_y;
	if (con.scale == 0)
		con.scale = 1;
	con.bytes_per_pixel = (fb->bpp + 7) / 8;
	con.pitch = fb->pitch;
	con.columns = fb->width / (CELL_WIDTH * con.scale);
	con.rows = fb->height / (CELL_HEIGHT * con.scale);
	if (con.columns == 0 || con.rows < 2) {
		kprintf("WARN msg=\"framebuffer %ux%u too small for a console\"\n", fb->width, fb->height);
		return false;
	}
	con.base = paging_map_wc(fb->addr, (uint64_t)fb->pitch * fb->height);
	con.column = con.row = 0;
	for (uint32_t row = 0; row < con.rows; row++)
		clear_row(row);
	con.on = true;
	console_replay(replay_putc);
	kprintf("fbcon: %ux%u %u bpp at %#lx: %ux%u characters\n", fb->width, fb->height, fb->bpp,
		(unsigned long)fb->addr, con.columns, con.rows);
	return true;
}
