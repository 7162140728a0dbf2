/*
 * QR code encoder (see qr.h for the ISO/IEC 18004 sections it follows).
 * Coordinates: module[y][x], y the row from the top, x the column.
 */
#include "lib/qr.h"

#include "lib/qr_mask.h"
#include "lib/string.h"

#define GF_POLY 0x11d    /* x^8 + x^4 + x^3 + x^2 + 1 (7.5.2) */
#define FORMAT_POLY 0x537  /* BCH(15,5) generator (7.9.1) */
#define FORMAT_MASK 0x5412 /* XOR so that no format is all zero */
#define VERSION_POLY 0x1f25 /* BCH(18,6) generator (7.10) */
#define MODE_BYTE 0x4
#define PAD0 0xec
#define PAD1 0x11
#define ECC_MAX 30 /* codewords per block, any version and level */

/* Table 9: error correction codewords per block and blocks, per version, for L and M. */
static const uint8_t ecc_per_block[2][QR_VERSION_MAX] = {
	{ 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
	  28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30 },
	{ 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
	  26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28 },
};
static const uint8_t blocks[2][QR_VERSION_MAX] = {
	{ 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
	  8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25 },
	{ 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
	  17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49 },
};
/* Format information's two bits for the level (table 12): L 01, M 00. */
static const uint8_t ecc_format_bits[2] = { 1, 0 };

static int alignment_count(int version) { return version == 1 ? 0 : version / 7 + 2; }

/* Modules left for codewords once the function patterns are placed (6.3, 7.7.1). */
static int data_modules(int version)
{
	int size = 17 + 4 * version, n = alignment_count(version);
	int bits = size * size - 3 * 64 - 31 - 2 * (size - 16);
	if (n > 0)
		bits -= 25 * (n * n - 3) - 10 * (n - 2); /* those on the timing lines share 5 modules */
	if (version >= 7)
		bits -= 36;
	return bits;
}

static int total_codewords(int version) { return data_modules(version) / 8; }

static int data_codewords(int version, enum qr_ecc ecc)
{
	return total_codewords(version) - ecc_per_block[ecc][version - 1] * blocks[ecc][version - 1];
}

static int count_bits(int version) { return version <= 9 ? 8 : 16; }

size_t qr_capacity(int version, enum qr_ecc ecc)
{
	if (version < QR_VERSION_MIN || version > QR_VERSION_MAX || (ecc != QR_ECC_L && ecc != QR_ECC_M))
		return 0;
	return (size_t)(data_codewords(version, ecc) * 8 - 4 - count_bits(version)) / 8;
}

/* ---- Reed-Solomon (7.5.2) ---- */

static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	unsigned r = 0;
	for (int i = 7; i >= 0; i--) {
		r = (r << 1) ^ ((r >> 7) * GF_POLY);
		r ^= ((b >> i) & 1u) * a;
	}
	return (uint8_t)r;
}

/* Generator of degree n: product of (x - a^i), i = 0..n-1; coefficients high to low, leading 1 left out. */
static void rs_generator(int n, uint8_t *g)
{
	memset(g, 0, (size_t)n);
	g[n - 1] = 1;
	uint8_t root = 1;
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			g[j] = gf_mul(g[j], root);
			if (j + 1 < n)
				g[j] ^= g[j + 1];
		}
		root = gf_mul(root, 0x02);
	}
}

/* The n check codewords of `data`: the remainder of data * x^n divided by g. */
static void rs_remainder(const uint8_t *data, int len, const uint8_t *g, int n, uint8_t *out)
{
	memset(out, 0, (size_t)n);
	for (int i = 0; i < len; i++) {
		uint8_t factor = data[i] ^ out[0];
		memmove(out, out + 1, (size_t)(n - 1));
		out[n - 1] = 0;
		for (int j = 0; j < n; j++)
			out[j] ^= gf_mul(g[j], factor);
	}
}

/* ---- data codewords (7.4) ---- */

struct bits {
	uint8_t *buf;
	int len; /* bits written */
};

static void put_bits(struct bits *b, unsigned value, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		if ((value >> i) & 1u)
			b->buf[b->len >> 3] |= (uint8_t)(0x80 >> (b->len & 7));
		b->len++;
	}
}

/* Mode, count, bytes, terminator, pad bits and pad codewords into qr->data. */
static void make_data(struct qr *qr, const uint8_t *bytes, size_t len)
{
	int capacity = data_codewords(qr->version, qr->ecc) * 8;
	struct bits b = { qr->data, 0 };
	memset(qr->data, 0, sizeof(qr->data));
	put_bits(&b, MODE_BYTE, 4);
	put_bits(&b, (unsigned)len, count_bits(qr->version));
	for (size_t i = 0; i < len; i++)
		put_bits(&b, bytes[i], 8);
	put_bits(&b, 0, capacity - b.len < 4 ? capacity - b.len : 4);
	b.len = (b.len + 7) & ~7;
	for (int pad = PAD0; b.len < capacity; pad ^= PAD0 ^ PAD1)
		put_bits(&b, (unsigned)pad, 8);
}

/* Blocks with their check codewords, interleaved (7.6): qr->codewords. */
static void make_codewords(struct qr *qr)
{
	int v = qr->version, nb = blocks[qr->ecc][v - 1], ecc = ecc_per_block[qr->ecc][v - 1];
	int total = total_codewords(v), short_len = total / nb - ecc, nshort = nb - total % nb;
	uint8_t g[ECC_MAX], check[ECC_MAX];
	rs_generator(ecc, g);
	int start = 0;
	for (int blk = 0; blk < nb; blk++) {
		int len = short_len + (blk >= nshort);
		for (int i = 0; i < len; i++) { /* data: codeword i of every block in turn */
			int pos = i < short_len ? i * nb + blk : short_len * nb + (blk - nshort);
			qr->codewords[pos] = qr->data[start + i];
		}
		rs_remainder(qr->data + start, len, g, ecc, check);
		for (int i = 0; i < ecc; i++)
			qr->codewords[total - nb * ecc + i * nb + blk] = check[i];
		start += len;
	}
}

/* ---- function patterns (6.3) ---- */

static void set_function(struct qr *qr, int x, int y, bool dark)
{
	qr->module[y][x] = dark;
	qr->is_function[y][x] = 1;
}

/* Finder with its light separator, centred on (cx, cy); parts outside the symbol are skipped. */
static void draw_finder(struct qr *qr, int cx, int cy)
{
	for (int dy = -4; dy <= 4; dy++) {
		for (int dx = -4; dx <= 4; dx++) {
			int x = cx + dx, y = cy + dy;
			int d = dx * dx > dy * dy ? (dx < 0 ? -dx : dx) : (dy < 0 ? -dy : dy);
			if (x >= 0 && x < qr->size && y >= 0 && y < qr->size)
				set_function(qr, x, y, d != 2 && d != 4);
		}
	}
}

static void draw_alignment(struct qr *qr, int cx, int cy)
{
	for (int dy = -2; dy <= 2; dy++)
		for (int dx = -2; dx <= 2; dx++) {
			int d = dx * dx > dy * dy ? (dx < 0 ? -dx : dx) : (dy < 0 ? -dy : dy);
			set_function(qr, cx + dx, cy + dy, d != 1);
		}
}

/* Centres of the alignment patterns on each axis (annex E): 6, then evenly spaced up to size - 7. */
static int alignment_positions(int version, int *pos)
{
	int n = alignment_count(version);
	if (n == 0)
		return 0;
	int size = 17 + 4 * version;
	int step = version == 32 ? 26 : (version * 4 + n * 2 + 1) / (n * 2 - 2) * 2;
	pos[0] = 6;
	for (int i = n - 1, p = size - 7; i >= 1; i--, p -= step)
		pos[i] = p;
	return n;
}

/* 15 format bits: level and mask with their BCH(15,5) check, XOR 0x5412 (7.9). */
static unsigned format_bits(enum qr_ecc ecc, int mask)
{
	unsigned data = (unsigned)ecc_format_bits[ecc] << 3 | (unsigned)mask, rem = data;
	for (int i = 0; i < 10; i++)
		rem = (rem << 1) ^ ((rem >> 9) * FORMAT_POLY);
	return (data << 10 | (rem & 0x3ff)) ^ FORMAT_MASK;
}

/* Both copies of the format information (figure 25), and the dark module. */
void qr_draw_format(struct qr *qr, int mask)
{
	unsigned f = format_bits(qr->ecc, mask);
	int n = qr->size;
	for (int i = 0; i < 15; i++) {
		bool bit = (f >> i) & 1u;
		/* around the top-left finder: down column 8, then left along row 8 */
		if (i < 6)
			set_function(qr, 8, i, bit);
		else if (i < 8)
			set_function(qr, 8, i + 1, bit);
		else if (i == 8)
			set_function(qr, 7, 8, bit);
		else
			set_function(qr, 14 - i, 8, bit);
		/* the copy: row 8 from the right edge, then column 8 up to the bottom edge */
		if (i < 8)
			set_function(qr, n - 1 - i, 8, bit);
		else
			set_function(qr, 8, n - 15 + i, bit);
	}
	set_function(qr, 8, n - 8, true);
}

/* Version information, versions 7 and up: 18 bits, BCH(18,6), in two 6x3 blocks (7.10). */
static void draw_version(struct qr *qr)
{
	if (qr->version < 7)
		return;
	unsigned rem = (unsigned)qr->version;
	for (int i = 0; i < 12; i++)
		rem = (rem << 1) ^ ((rem >> 11) * VERSION_POLY);
	unsigned v = (unsigned)qr->version << 12 | (rem & 0xfff);
	for (int i = 0; i < 18; i++) {
		int a = qr->size - 11 + i % 3, b = i / 3;
		set_function(qr, a, b, (v >> i) & 1u);
		set_function(qr, b, a, (v >> i) & 1u);
	}
}

static void draw_function_patterns(struct qr *qr)
{
	int n = qr->size, pos[7];
	memset(qr->module, 0, sizeof(qr->module));
	memset(qr->is_function, 0, sizeof(qr->is_function));
	for (int i = 0; i < n; i++) {
		set_function(qr, 6, i, i % 2 == 0);
		set_function(qr, i, 6, i % 2 == 0);
	}
	draw_finder(qr, 3, 3);
	draw_finder(qr, n - 4, 3);
	draw_finder(qr, 3, n - 4);
	int count = alignment_positions(qr->version, pos);
	for (int i = 0; i < count; i++)
		for (int j = 0; j < count; j++)
			if (!((i == 0 && j == 0) || (i == 0 && j == count - 1) || (i == count - 1 && j == 0)))
				draw_alignment(qr, pos[i], pos[j]);
	qr_draw_format(qr, 0); /* reserves the areas; the chosen mask's bits come later */
	draw_version(qr);
}

/* ---- codeword placement (7.7.3) ---- */

/* Two-module columns from the right, upwards then downwards, skipping the vertical timing line. */
static void place_codewords(struct qr *qr)
{
	int n = qr->size, bit = 0, total = total_codewords(qr->version) * 8;
	for (int right = n - 1; right >= 1; right -= 2) {
		if (right == 6)
			right = 5;
		bool upwards = ((right + 1) & 2) == 0;
		for (int k = 0; k < n; k++) {
			int y = upwards ? n - 1 - k : k;
			for (int j = 0; j < 2; j++) {
				int x = right - j;
				if (qr->is_function[y][x])
					continue;
				if (bit < total) /* remainder bits stay light */
					qr->module[y][x] = (qr->codewords[bit >> 3] >> (7 - (bit & 7))) & 1;
				bit++;
			}
		}
	}
}

bool qr_encode(const uint8_t *bytes, size_t len, enum qr_ecc ecc, int min_version, int max_version,
	       int mask, struct qr *out)
{
	if (min_version < QR_VERSION_MIN || max_version > QR_VERSION_MAX || min_version > max_version ||
	    (ecc != QR_ECC_L && ecc != QR_ECC_M) || mask < QR_MASK_AUTO || mask > 7)
		return false;
	int v = min_version;
	while (v <= max_version && qr_capacity(v, ecc) < len)
		v++;
	if (v > max_version)
		return false;
	out->version = v;
	out->size = 17 + 4 * v;
	out->ecc = ecc;
	make_data(out, bytes, len);
	make_codewords(out);
	draw_function_patterns(out);
	place_codewords(out);
	out->mask = mask == QR_MASK_AUTO ? qr_choose_mask(out) : mask;
	qr_apply_mask(out, out->mask);
	qr_draw_format(out, out->mask);
	return true;
}
