/*
 * Framebuffer console (see fbcon.h). Multiboot2 spec 3.6.12: framebuffer
 * type 1 is direct RGB; any RGB layout shows all-ones bits as white.
 */
#include "dev/fbcon.h"

#include <stdint.h>

#include "arch/paging.h"
#include "dev/fbfont.h"
#include "lib/printf.h"
#include "lib/string.h"

#define FB_TYPE_RGB 1
#define MIN_COLUMNS 80
#define MIN_ROWS 25
#define CONTINUATION_INDENT 2
#define INVERSE 0x80 /* high bit of a grid cell: drawn dark on light */

static struct {
	bool on, page;
	uint8_t *base;
	uint32_t pitch, bytes_per_pixel, scale, width, height;
	uint32_t columns, rows, wrap; /* wrap: columns a line may use (the page's text part) */
	uint32_t column, row;
	bool continued; /* the current row continues a wrapped line */
} con;

static uint8_t grid[FBCON_ROWS_MAX][FBCON_COLUMNS_MAX];  /* what should be on screen */
static uint8_t shown[FBCON_ROWS_MAX][FBCON_COLUMNS_MAX]; /* what is on screen */

bool fbcon_present(void) { return con.on; }

/* ---- pixels ---- */

static void fill_span(uint32_t x, uint32_t y, uint32_t n, bool lit)
{
	uint8_t *p = con.base + (uint64_t)y * con.pitch + (uint64_t)x * con.bytes_per_pixel;
	if (con.bytes_per_pixel == 4) {
		volatile uint32_t *q = (volatile uint32_t *)p;
		for (uint32_t i = 0; i < n; i++)
			q[i] = lit ? 0xffffffffu : 0;
		return;
	}
	volatile uint8_t *q = p;
	for (uint32_t i = 0; i < n * con.bytes_per_pixel; i++)
		q[i] = lit ? 0xff : 0x00;
}

/* Rectangle of whole pixels, clipped to the screen. */
static void fill_rect(uint32_t x, uint32_t y, uint32_t w, uint32_t h, bool lit)
{
	if (x >= con.width || y >= con.height)
		return;
	w = w < con.width - x ? w : con.width - x;
	h = h < con.height - y ? h : con.height - y;
	for (uint32_t i = 0; i < h; i++)
		fill_span(x, y + i, w, lit);
}

/* The cell at (column, row) from the grid, one pixel row at a time. */
static void draw_cell(uint32_t column, uint32_t row)
{
	uint8_t cell = grid[row][column];
	char c = (char)(cell & ~INVERSE);
	bool inverse = cell & INVERSE, printable = c >= FBFONT_FIRST && c <= FBFONT_LAST;
	uint32_t s = con.scale, x0 = column * FBFONT_WIDTH * s, y0 = row * FBFONT_HEIGHT * s;
	for (uint32_t gy = 0; gy < FBFONT_HEIGHT * s; gy++) {
		const char *bits = printable ? fbfont[c - FBFONT_FIRST][gy / s] : "        ";
		for (uint32_t gx = 0; gx < FBFONT_WIDTH; gx++)
			fill_span(x0 + gx * s, y0 + gy, s, (bits[gx] == '#') != inverse);
	}
	shown[row][column] = cell;
}

/* Draw every cell of rows a..b that differs from the screen. */
static void refresh(uint32_t a, uint32_t b)
{
	for (uint32_t r = a; r <= b && r < con.rows; r++)
		for (uint32_t c = 0; c < con.columns; c++)
			if (grid[r][c] != shown[r][c])
				draw_cell(c, r);
}

/* ---- the text grid ---- */

static void clear_row(uint32_t row) { memset(grid[row], ' ', sizeof(grid[row])); }

/* Next row; on the console the grid moves up a line at the bottom, a page stops there. */
static void newline(bool continued)
{
	con.column = 0;
	con.continued = continued;
	if (con.row + 1 < con.rows) {
		con.row++;
		return;
	}
	con.row = con.rows; /* a full page takes no more text */
	if (con.page)
		return;
	memmove(grid[0], grid[1], (size_t)(con.rows - 1) * sizeof(grid[0]));
	con.row = con.rows - 1;
	clear_row(con.row);
	refresh(0, con.rows - 1);
}

/*
 * The current row is full and `c` is not a space: carry the partial word
 * after the row's last space to a new, indented row (or break inside a word
 * that fills the whole row).
 */
static void wrap_line(uint8_t attr)
{
	uint32_t start = con.continued ? CONTINUATION_INDENT : 0, space = con.wrap, row = con.row;
	for (uint32_t i = con.wrap; i-- > start + 1;)
		if ((grid[row][i] & ~INVERSE) == ' ') {
			space = i;
			break;
		}
	uint8_t carry[FBCON_COLUMNS_MAX];
	uint32_t n = space < con.wrap ? con.wrap - space - 1 : 0;
	memcpy(carry, &grid[row][space + 1], n);
	for (uint32_t i = space; i < con.wrap; i++)
		grid[row][i] = ' ' | attr;
	newline(true);
	refresh(row > 0 ? row - 1 : 0, row);
	if (con.row >= con.rows)
		return;
	for (uint32_t i = 0; i < CONTINUATION_INDENT; i++)
		grid[con.row][con.column++] = ' ' | attr;
	for (uint32_t i = 0; i < n; i++)
		grid[con.row][con.column++] = carry[i];
	refresh(con.row, con.row);
}

static void put(char c, uint8_t attr)
{
	if (c == '\n') {
		newline(false);
		return;
	}
	if (c == '\t')
		c = ' ';
	if (c < ' ' || c > '~' || con.row >= con.rows)
		return;
	if (con.column == con.wrap) {
		if (c == ' ') { /* the break itself: the next row starts indented */
			newline(true);
			for (uint32_t i = 0; i < CONTINUATION_INDENT && con.row < con.rows; i++)
				grid[con.row][con.column++] = ' ' | attr;
			return;
		}
		wrap_line(attr);
		if (con.row >= con.rows)
			return;
	}
	grid[con.row][con.column] = (uint8_t)c | attr;
	draw_cell(con.column++, con.row);
}

void fbcon_putc(char c)
{
	if (con.on && !con.page)
		put(c, 0);
}

static void replay_putc(char c) { fbcon_putc(c); }

/* ---- start ---- */

/* Whole cells, at least 80x25, at most FBCON_COLUMNS_MAX x FBCON_ROWS_MAX: the scale that fits. */
static bool fit_grid(const struct boot_framebuffer *fb)
{
	uint32_t cw = FBFONT_WIDTH, ch = FBFONT_HEIGHT;
	con.scale = 1;
	while (fb->width / (cw * con.scale) > FBCON_COLUMNS_MAX || fb->height / (ch * con.scale) > FBCON_ROWS_MAX)
		con.scale++;
	con.columns = fb->width / (cw * con.scale);
	con.rows = fb->height / (ch * con.scale);
	return con.columns >= MIN_COLUMNS / 2 && con.rows >= MIN_ROWS / 2;
}

bool fbcon_init(const struct boot_framebuffer *fb)
{
	if (fb->type != FB_TYPE_RGB || fb->bpp < 15 || fb->bpp > 32 || fb->bpp % 8 == 7) {
		kprintf("WARN msg=\"framebuffer type %u, %u bpp: not a linear RGB mode, no framebuffer "
			"console\"\n", fb->type, fb->bpp);
		return false;
	}
	if (!fit_grid(fb)) {
		kprintf("WARN msg=\"framebuffer %ux%u too small for a console\"\n", fb->width, fb->height);
		return false;
	}
	con.bytes_per_pixel = (fb->bpp + 7) / 8;
	con.pitch = fb->pitch;
	con.width = fb->width;
	con.height = fb->height;
	con.wrap = con.columns;
	con.base = paging_map_wc(fb->addr, (uint64_t)fb->pitch * fb->height);
	fill_rect(0, 0, con.width, con.height, false);
	memset(grid, ' ', sizeof(grid));
	memset(shown, ' ', sizeof(shown));
	con.column = con.row = 0;
	con.on = true;
	console_replay(replay_putc);
	kprintf("fbcon: %ux%u %u bpp at %#lx: %ux%u characters\n", fb->width, fb->height, fb->bpp,
		(unsigned long)fb->addr, con.columns, con.rows);
	return true;
}

/* ---- the summary page ---- */

void fbcon_page_begin(unsigned text_columns)
{
	if (!con.on)
		return;
	con.page = true;
	con.wrap = text_columns < con.columns ? text_columns : con.columns;
	con.column = con.row = 0;
	con.continued = false;
	memset(grid, ' ', sizeof(grid));
	refresh(0, con.rows - 1);
}

void fbcon_page_puts(const char *s, bool inverse)
{
	if (!con.on || !con.page)
		return;
	for (; *s; s++)
		put(*s, inverse ? INVERSE : 0);
}

void fbcon_page_qr(const struct qr *qr, const char *caption)
{
	if (!con.on || !con.page)
		return;
	uint32_t cw = FBFONT_WIDTH * con.scale, ch = FBFONT_HEIGHT * con.scale;
	uint32_t x0 = con.wrap * cw + cw, area_w = con.width > x0 ? con.width - x0 : 0;
	uint32_t area_h = con.height > 2 * ch ? con.height - 2 * ch : 0;
	uint32_t side = (uint32_t)qr->size + 8; /* four light modules around it (ISO/IEC 18004, 6.3.7) */
	uint32_t px = (area_w < area_h ? area_w : area_h) / side;
	if (px == 0)
		return;
	uint32_t left = x0 + (area_w - side * px) / 2, top = (area_h - side * px) / 2;
	/* The previous code and its caption go: the area right of the text becomes blank cells. */
	fill_rect(con.wrap * cw, 0, con.width - con.wrap * cw, con.height, false);
	for (uint32_t r = 0; r < con.rows; r++)
		for (uint32_t c = con.wrap; c < con.columns; c++)
			grid[r][c] = shown[r][c] = ' ';
	fill_rect(left, top, side * px, side * px, true);
	for (int y = 0; y < qr->size; y++)
		for (int x = 0; x < qr->size; x++)
			if (qr->module[y][x])
				fill_rect(left + (uint32_t)(x + 4) * px, top + (uint32_t)(y + 4) * px, px, px, false);
	/* The caption in the grid's row below the code, from the code's left edge. */
	uint32_t row = (top + side * px) / ch + 1, column = left / cw;
	if (row >= con.rows)
		return;
	for (uint32_t c = column; *caption && c < con.columns; c++)
		grid[row][c] = (uint8_t)*caption++;
	for (uint32_t c = con.wrap; c < con.columns; c++)
		if (grid[row][c] != shown[row][c])
			draw_cell(c, row);
}
