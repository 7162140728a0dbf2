/*
 * kernel/lib/qr.c on the host, for tests/kernel/test_qr.py: encodes stdin
 * and writes the symbol to stdout.
 *
 *   qr_tool L|M MIN_VERSION MAX_VERSION MASK|auto matrix   one line of 0/1 per row, then
 *                                                          "version V mask M"
 *   qr_tool L|M MIN_VERSION MAX_VERSION MASK|auto pgm      a PGM image: 4 pixels a module,
 *                                                          a 4-module light quiet zone
 * Exit 1 if the data does not fit, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/qr.h"

#define SCALE 4
#define QUIET 4

static struct qr qr;
static uint8_t input[8192];

static void write_pgm(void)
{
	int side = (qr.size + 2 * QUIET) * SCALE;
	printf("P5\n%d %d\n255\n", side, side);
	for (int py = 0; py < side; py++)
		for (int px = 0; px < side; px++) {
			int y = py / SCALE - QUIET, x = px / SCALE - QUIET;
			int dark = y >= 0 && y < qr.size && x >= 0 && x < qr.size && qr.module[y][x];
			putchar(dark ? 0 : 255);
		}
}

int main(int argc, char **argv)
{
	if (argc != 6 || (strcmp(argv[1], "L") != 0 && strcmp(argv[1], "M") != 0)) {
		fprintf(stderr, "usage: qr_tool L|M MIN_VERSION MAX_VERSION MASK|auto matrix|pgm <data\n");
		return 2;
	}
	size_t len = fread(input, 1, sizeof(input), stdin);
	int mask = strcmp(argv[4], "auto") == 0 ? QR_MASK_AUTO : atoi(argv[4]);
	enum qr_ecc ecc = argv[1][0] == 'L' ? QR_ECC_L : QR_ECC_M;
	if (!qr_encode(input, len, ecc, atoi(argv[2]), atoi(argv[3]), mask, &qr)) {
		fprintf(stderr, "qr_tool: %zu bytes do not fit\n", len);
		return 1;
	}
	if (strcmp(argv[5], "pgm") == 0) {
		write_pgm();
		return 0;
	}
	for (int y = 0; y < qr.size; y++) {
		for (int x = 0; x < qr.size; x++)
			putchar('0' + qr.module[y][x]);
		putchar('\n');
	}
	printf("version %d mask %d capacity %zu\n", qr.version, qr.mask, qr_capacity(qr.version, ecc));
	return 0;
}
