/*
 * The run's summary: what a person needs from a run that has no serial
 * cable, kept where the kernel prints it (not read back from the log).
 *
 * At the verdict (kernel_exit) the framebuffer shows it as a page that
 * stays: the verdict, the machine (ENV), the stress result, one line per
 * benchmark (bench, order, cores: ns per operation of each allocator and
 * their ratio to LLFree) and the frag figures; beside it, the same lines as
 * QR codes (kernel/summary_qr.c), cycling every few seconds when they need
 * more than one, for tools/qrlog.py to turn back into log lines.
 */
#ifndef KERNEL_SUMMARY_H
#define KERNEL_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "bench.h"

/* Longest line kept; a longer one is cut after its last whole key=value pair that fits. */
#define SUMMARY_LINE_MAX 480
/* Benchmark results kept (frag: its first and last round per allocator, besides). */
#define SUMMARY_RESULTS_MAX 512

enum summary_line_kind { SUMMARY_BOOT, SUMMARY_ENV, SUMMARY_STRESS, SUMMARY_DONE, SUMMARY_KINDS };

/* A log line as printed (without the newline), e.g. the ENV line. */
void summary_line(enum summary_line_kind kind, const char *line);
/* A benchmark result, as its RESULT line was printed. */
void summary_result(const struct bench_result *r);

/* After the DONE line (summary_line(SUMMARY_DONE, ...)): draw the page and the first QR code. */
void summary_show(bool ok);
/*
 * Keep the page up for `seconds` (0: return at once), showing the next QR
 * code every SUMMARY_QR_SECONDS; forever when `seconds` is UINT64_MAX.
 */
void summary_hold(uint64_t seconds);

/* ---- for summary_qr.c ---- */
/* The page's text (summary.c). */
void summary_page(bool ok);
#define SUMMARY_QR_SECONDS 4
const char *summary_stored_line(enum summary_line_kind kind);
size_t summary_result_count(void);
const struct bench_result *summary_result_at(size_t i);

#endif
