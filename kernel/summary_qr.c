/*
 * The summary as QR codes (see summary.h), and the page's life time.
 *
 * Payload of each code (docs/console.md; tools/qrlog.py reads it back): a header
 * line, then whole log lines, never split between codes:
 *
 *   LLQ1 K/N RUN CRC          part K of N, RUN: 4 hex digits naming the boot,
 *                             CRC: CRC-32 (IEEE 802.3) of the rest, 8 hex digits
 *   BOOT ... / ENV ... / TEST ... / DONE ...    as printed
 *   K RESULT bench alloc cores ...              the keys of the RESULT lines that follow
 *   R bulk llfree 4 0 ...                       a RESULT line's values in those keys' order
 *
 * Every part repeats the K line its R lines need, so each part reads alone.
 */
#include <stdint.h>

#include "arch/cpu.h"
#include "arch/tsc.h"
#include "dev/fbcon.h"
#include "lib/printf.h"
#include "lib/qr.h"
#include "lib/string.h"
#include "summary.h"

#define QR_ECC QR_ECC_L         /* a screen is a clean source: the most data per code */
#define QR_VERSION_LIMIT 25     /* 117 modules: 4 pixels each in half of a 1024x768 screen */
#define HEADER_MAX 32
#define PARTS_MAX 99
#define LINE_MAX 640 /* a RESULT line (bench/bench.c) or a stored line */

static struct qr qr;
static char part[QR_CODEWORDS_MAX];
static unsigned run_id;

static uint32_t crc32(const char *s, size_t n)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		crc ^= (uint8_t)s[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* ---- the lines of the payload ---- */

/* Line i of the payload: a stored line, or a RESULT as "R values" with its keys in `keys`. */
static bool payload_line(size_t i, char *out, size_t size, char *keys, size_t keys_size)
{
	static const enum summary_line_kind head[] = { SUMMARY_BOOT, SUMMARY_ENV, SUMMARY_STRESS };
	size_t nhead = sizeof(head) / sizeof(head[0]);
	keys[0] = '\0';
	if (i < nhead) {
		ksnprintf(out, size, "%s", summary_stored_line(head[i]));
		return true;
	}
	i -= nhead;
	if (i == summary_result_count()) {
		ksnprintf(out, size, "%s", summary_stored_line(SUMMARY_DONE));
		return true;
	}
	const struct bench_result *r = summary_result_at(i);
	if (!r)
		return false;
	static char line[LINE_MAX];
	bench_format_result(r, line, sizeof(line));
	/* "RESULT k=v k=v": keys to `keys`, values to `out` (RESULT values have no spaces). */
	size_t k = (size_t)ksnprintf(keys, keys_size, "K RESULT"), o = (size_t)ksnprintf(out, size, "R");
	for (const char *p = line + strlen("RESULT"); *p == ' ';) {
		const char *eq = p + 1;
		while (*eq && *eq != '=')
			eq++;
		const char *end = eq;
		while (*end && *end != ' ')
			end++;
		k += (size_t)ksnprintf(keys + k, keys_size - k, " %.*s", (int)(eq - p - 1), p + 1);
		o += (size_t)ksnprintf(out + o, size - o, " %.*s", (int)(end - eq - 1), eq + 1);
		p = end;
	}
	return true;
}

/*
 * Part `want` (0-based) into `part` (its header left blank); returns how
 * many parts there are. Lines are packed greedily, each part within the
 * largest code's capacity.
 */
static unsigned make_part(unsigned want, size_t *len)
{
	size_t cap = qr_capacity(QR_VERSION_LIMIT, QR_ECC) - HEADER_MAX;
	static char line[LINE_MAX], keys[LINE_MAX], last_keys[LINE_MAX];
	last_keys[0] = '\0';
	unsigned current = 0;
	size_t used = 0;
	*len = 0;
	for (size_t i = 0; payload_line(i, line, sizeof(line), keys, sizeof(keys)); i++) {
		if (!line[0])
			continue;
		bool new_keys = keys[0] && strcmp(keys, last_keys) != 0;
		size_t need = strlen(line) + 1 + (new_keys ? strlen(keys) + 1 : 0);
		if (used > 0 && used + need > cap) { /* next part: its R lines need their K line again */
			current++;
			used = 0;
			new_keys = keys[0] != '\0';
			need = strlen(line) + 1 + (new_keys ? strlen(keys) + 1 : 0);
		}
		if (current == want && *len + need < sizeof(part) - HEADER_MAX) {
			if (new_keys)
				*len += (size_t)ksnprintf(part + HEADER_MAX + *len, sizeof(part) - HEADER_MAX - *len, "%s\n", keys);
			*len += (size_t)ksnprintf(part + HEADER_MAX + *len, sizeof(part) - HEADER_MAX - *len, "%s\n", line);
		}
		if (new_keys)
			memcpy(last_keys, keys, strlen(keys) + 1);
		used += need;
	}
	return current + 1;
}

static int version; /* of every code: the one the largest part needs, so their size stays */

/* Encode part k (0-based) of n into qr; false if it did not fit. */
static bool encode_part(unsigned k, unsigned n)
{
	size_t body;
	make_part(k, &body);
	const char *text = part + HEADER_MAX;
	char header[HEADER_MAX + 1];
	int h = ksnprintf(header, sizeof(header), "LLQ1 %u/%u %04x %08x\n", k + 1, n, run_id,
			  (unsigned)crc32(text, body));
	char *start = part + HEADER_MAX - h;
	memcpy(start, header, (size_t)h);
	return qr_encode((const uint8_t *)start, (size_t)h + body, QR_ECC, version, QR_VERSION_LIMIT, QR_MASK_AUTO,
			 &qr);
}

/* Show part k (0-based) of n; false if it did not encode. */
static bool show_part(unsigned k, unsigned n)
{
	if (!encode_part(k, n))
		return false;
	char caption[64];
	ksnprintf(caption, sizeof(caption), "QR %u/%u  run %04x  (tools/qrlog.py)", k + 1, n, run_id);
	fbcon_page_qr(&qr, caption);
	return true;
}

static unsigned parts;
static unsigned shown_part;

void summary_show(bool ok)
{
	if (!fbcon_present())
		return;
	const char *boot = summary_stored_line(SUMMARY_BOOT), *env = summary_stored_line(SUMMARY_ENV);
	run_id = (crc32(boot, strlen(boot)) ^ crc32(env, strlen(env)) ^ (uint32_t)rdtsc()) & 0xffff;
	size_t len;
	parts = make_part(0, &len);
	if (parts > PARTS_MAX)
		parts = PARTS_MAX;
	version = 1;
	for (unsigned k = 0; k < parts; k++)
		if (encode_part(k, parts) && qr.version > version)
			version = qr.version;
	summary_page(ok);
	shown_part = 0;
	if (!show_part(0, parts))
		fbcon_page_puts("\n(the QR code could not be encoded)\n", true);
}

void summary_hold(uint64_t seconds)
{
	if (!fbcon_present() || seconds == 0 || tsc_hz() == 0)
		return;
	if (parts <= 1 && seconds == UINT64_MAX)
		cpu_halt_forever();
	uint64_t step = tsc_us_to_ticks(SUMMARY_QR_SECONDS * 1000000ull), start = rdtsc(), next = start + step;
	uint64_t end = seconds == UINT64_MAX ? UINT64_MAX : start + tsc_us_to_ticks(seconds * 1000000ull);
	while (rdtsc() < end) {
		if (parts > 1 && rdtsc() >= next) {
			shown_part = (shown_part + 1) % parts;
			show_part(shown_part, parts);
			next += step;
		}
		cpu_pause();
	}
}
