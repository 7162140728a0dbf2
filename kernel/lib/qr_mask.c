/*
 * QR masks and their penalty (ISO/IEC 18004:2015, 7.8: table 10 mask
 * conditions, 7.8.3 and table 11 penalty rules N1..N4); see qr.h.
 * Coordinates: module[y][x], y the row, x the column.
 */
#include "lib/qr_mask.h"

static bool mask_bit(int mask, int y, int x)
{
	switch (mask) {
	case 0: return (y + x) % 2 == 0;
	case 1: return y % 2 == 0;
	case 2: return x % 3 == 0;
	case 3: return (y + x) % 3 == 0;
	case 4: return (y / 2 + x / 3) % 2 == 0;
	case 5: return (y * x) % 2 + (y * x) % 3 == 0;
	case 6: return ((y * x) % 2 + (y * x) % 3) % 2 == 0;
	default: return ((y + x) % 2 + (y * x) % 3) % 2 == 0;
	}
}

/* XOR the mask over the data modules (applying it twice undoes it). */
void qr_apply_mask(struct qr *qr, int mask)
{
	for (int y = 0; y < qr->size; y++)
		for (int x = 0; x < qr->size; x++)
			if (!qr->is_function[y][x] && mask_bit(mask, y, x))
				qr->module[y][x] ^= 1;
}

/* ---- penalty (7.8.3, table 11) ---- */

#define PENALTY_N1 3
#define PENALTY_N2 3
#define PENALTY_N3 40
#define PENALTY_N4 10

static int module_at(const struct qr *qr, bool rows, int line, int i)
{
	return rows ? qr->module[line][i] : qr->module[i][line];
}

/* N1 (runs of five or more) and N3 (1:1:3:1:1 with four light modules on one side) along one line. */
static long line_penalty(const struct qr *qr, bool rows, int line)
{
	static const uint8_t finder[2][11] = { { 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0 },
					       { 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1 } };
	long p = 0;
	int run = 1, n = qr->size;
	for (int i = 1; i <= n; i++) {
		if (i < n && module_at(qr, rows, line, i) == module_at(qr, rows, line, i - 1)) {
			run++;
			continue;
		}
		if (run >= 5)
			p += PENALTY_N1 + run - 5;
		run = 1;
	}
	for (int i = 0; i + 11 <= n; i++)
		for (int k = 0; k < 2; k++) {
			int j = 0;
			while (j < 11 && module_at(qr, rows, line, i + j) == finder[k][j])
				j++;
			if (j == 11)
				p += PENALTY_N3;
		}
	return p;
}

static long penalty(const struct qr *qr)
{
	long p = 0, dark = 0;
	int n = qr->size;
	for (int line = 0; line < n; line++)
		p += line_penalty(qr, true, line) + line_penalty(qr, false, line);
	for (int y = 0; y < n; y++)
		for (int x = 0; x < n; x++) {
			dark += qr->module[y][x];
			if (y + 1 < n && x + 1 < n && qr->module[y][x] == qr->module[y][x + 1] &&
			    qr->module[y][x] == qr->module[y + 1][x] && qr->module[y][x] == qr->module[y + 1][x + 1])
				p += PENALTY_N2;
		}
	/* N4: 10 per full 5 % the dark share deviates from 50 %. */
	long percent = dark * 100 / ((long)n * n);
	long deviation = percent > 50 ? percent - 50 : 50 - percent;
	return p + deviation / 5 * PENALTY_N4;
}

int qr_choose_mask(struct qr *qr)
{
	int best = 0;
	long best_penalty = -1;
	for (int m = 0; m < 8; m++) {
		qr_apply_mask(qr, m);
		qr_draw_format(qr, m);
		long p = penalty(qr);
		if (best_penalty < 0 || p < best_penalty) {
			best = m;
			best_penalty = p;
		}
		qr_apply_mask(qr, m);
	}
	return best;
}
