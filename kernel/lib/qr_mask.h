/*
 * Inside the QR encoder (lib/qr.c): masks and the format information they
 * are drawn with. Not for other callers.
 */
#ifndef KERNEL_LIB_QR_MASK_H
#define KERNEL_LIB_QR_MASK_H

#include "lib/qr.h"

/* XOR mask 0..7 over the data modules (applying it twice undoes it). */
void qr_apply_mask(struct qr *qr, int mask);
/* The mask with the lowest penalty; leaves the data modules unmasked. */
int qr_choose_mask(struct qr *qr);
/* Both copies of the format information for qr->ecc and `mask`, and the dark module (qr.c). */
void qr_draw_format(struct qr *qr, int mask);

#endif
