/*
 * QR code encoder, byte mode only, error correction level L or M, versions
 * 1..40, all eight masks (penalty rules or a forced mask). Written from
 * ISO/IEC 18004:2015: 7.4.5 (byte mode), 7.4.9-7.4.10 (terminator, pad
 * codewords), 7.5 (Reed-Solomon over GF(2^8) with x^8+x^4+x^3+x^2+1),
 * 7.6 (blocks and interleaving, table 9), 7.7 (codeword placement), 7.8
 * (masks and their penalty, table 11), 7.9 (format information, BCH(15,5)),
 * 7.10 (version information, BCH(18,6)), 6.3 (function patterns).
 *
 * Freestanding C (no allocation): the kernel shows results as QR codes on
 * the screen; the host tests compare symbols with python3-qrcode's and
 * decode them with zbarimg.
 */
#ifndef KERNEL_LIB_QR_H
#define KERNEL_LIB_QR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QR_VERSION_MIN 1
#define QR_VERSION_MAX 40
#define QR_SIZE_MAX (17 + 4 * QR_VERSION_MAX) /* modules per side of version 40 */
#define QR_CODEWORDS_MAX 3706                 /* all codewords of version 40 */
#define QR_MASK_AUTO (-1)

enum qr_ecc { QR_ECC_L, QR_ECC_M };

struct qr {
	int version;
	int size; /* 17 + 4 * version modules per side */
	int mask;
	enum qr_ecc ecc;
	uint8_t module[QR_SIZE_MAX][QR_SIZE_MAX]; /* 1 dark */
	/* scratch for the encoder */
	uint8_t is_function[QR_SIZE_MAX][QR_SIZE_MAX];
	uint8_t data[QR_CODEWORDS_MAX];
	uint8_t codewords[QR_CODEWORDS_MAX];
};

/* Bytes version `version` holds in byte mode at `ecc`. */
size_t qr_capacity(int version, enum qr_ecc ecc);

/*
 * Encode `len` bytes in the smallest version in min..max that holds them,
 * with `mask` 0..7 or QR_MASK_AUTO (lowest penalty). False if they do not
 * fit version max, or an argument is out of range.
 */
bool qr_encode(const uint8_t *bytes, size_t len, enum qr_ecc ecc, int min_version, int max_version,
	       int mask, struct qr *out);

#endif
