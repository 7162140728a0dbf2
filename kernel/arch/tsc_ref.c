/*
 * Measuring the TSC against a reference clock (see tsc_ref.h).
 */
#include "arch/tsc_ref.h"

#include "arch/tsc.h"
#include "dev/hpet.h"
#include "dev/pit.h"
#include "dev/pmtimer.h"
#include "dev/rtc.h"
#include "lib/printf.h"

#define US_PER_S 1000000ull
/* Counter references: RUNS windows of WINDOW_US each, the median wins; each
 * window ends within WINDOW_BOUND_US (at TSC_HZ_MAX). */
#define CALIBRATE_RUNS 5
#define CALIBRATE_WINDOW_US 10000u
#define CALIBRATE_WINDOW_BOUND_US 100000u
/* RTC: one update-to-update second, its ends known to 250 us at TSC_HZ_MAX, all within 4.5 s. */
#define RTC_BOUND_US 4500000u
#define RTC_SHARP_US 250u

/* One window against a free-running counter of `ref_hz` with wrap `mask`; 0 if it stalls. */
static uint64_t measure_counter(uint64_t (*read)(void), uint64_t mask, uint64_t ref_hz)
{
	uint64_t target = ref_hz * CALIBRATE_WINDOW_US / US_PER_S;
	uint64_t deadline = tsc_begin() + tsc_bound_ticks(CALIBRATE_WINDOW_BOUND_US);
	uint64_t start = read(), now, elapsed = 0;
	/* Start on a counter edge so the window is not short by up to one tick. */
	while ((now = read()) == start)
		if (tsc_begin() > deadline)
			return 0;
	start = now;
	uint64_t t0 = tsc_begin();
	do {
		if (tsc_begin() > deadline)
			return 0;
		now = read();
		elapsed = (now - start) & mask;
	} while (elapsed < target);
	uint64_t t1 = tsc_end();
	return (t1 - t0) * ref_hz / elapsed;
}

static uint64_t measure_pit(void)
{
	return measure_counter(pit_counter_read, PIT_COUNTER_MASK, PIT_HZ);
}

static uint64_t measure_pmtimer(void)
{
	return measure_counter(pmtimer_read, pmtimer_mask(), ACPI_PM_TIMER_HZ);
}

static uint64_t measure_hpet(void)
{
	return measure_counter(hpet_read, hpet_mask(), hpet_hz());
}

/* Median of CALIBRATE_RUNS measurements; 0 if any run failed. */
static uint64_t median_of_runs(uint64_t (*measure)(void))
{
	uint64_t runs[CALIBRATE_RUNS];
	for (int i = 0; i < CALIBRATE_RUNS; i++) {
		runs[i] = measure();
		if (runs[i] == 0)
			return 0;
		for (int j = i; j > 0 && runs[j] < runs[j - 1]; j--) {
			uint64_t t = runs[j];
			runs[j] = runs[j - 1];
			runs[j - 1] = t;
		}
	}
	return runs[CALIBRATE_RUNS / 2];
}

uint64_t tsc_ref_pmtimer(const char **why)
{
	if (!pmtimer_present()) {
		*why = "absent (no FADT, hardware-reduced ACPI, or no PM_TMR_BLK)";
		return 0;
	}
	uint64_t hz = median_of_runs(measure_pmtimer);
	if (hz == 0)
		*why = "not counting";
	return hz;
}

uint64_t tsc_ref_hpet(const char **why)
{
	if (!hpet_present()) {
		*why = "absent (no usable ACPI HPET table)";
		return 0;
	}
	uint64_t hz = median_of_runs(measure_hpet);
	if (hz == 0)
		*why = "not counting";
	return hz;
}

/* No table announces a PIT: an absent or clock-gated one reads a constant. */
uint64_t tsc_ref_pit(const char **why)
{
	pit_counter_start();
	uint64_t hz = median_of_runs(measure_pit);
	if (hz == 0)
		*why = "absent or not counting";
	return hz;
}

/*
 * TSC ticks between two RTC update ends a second apart. Each end is seen
 * within the interval between two polls (rtc_edge.width); an SMI or a
 * descheduled vCPU between polls blurs it. The first second whose ends are
 * known to RTC_SHARP_US wins; failing that, by the deadline, the least
 * blurred second within 1 %, with a line saying so.
 */
uint64_t tsc_ref_rtc(const char **why)
{
	if ((*why = rtc_check()) != NULL)
		return 0;
	uint64_t deadline = tsc_begin() + tsc_bound_ticks(RTC_BOUND_US), best = 0, best_blur = UINT64_MAX;
	struct rtc_edge prev = { 0, 0, 0 }, e;
	bool have_prev = false;
	while (rtc_next_edge(deadline, &e)) {
		if (have_prev && e.second == (prev.second + 1) % 60) {
			uint64_t ticks = e.tsc - prev.tsc, blur = (e.width + prev.width) / 2;
			if (blur <= tsc_bound_ticks(RTC_SHARP_US))
				return ticks;
			if (blur < best_blur && blur * 100 <= ticks) {
				best = ticks;
				best_blur = blur;
			}
		}
		have_prev = true;
		prev = e;
	}
	if (best)
		kprintf("tsc: rtc: no sharp second within 4.5 s; the best one is known to +-%llu ppm\n",
			(unsigned long long)(best_blur * 1000000 / best));
	else
		*why = "no update-to-update second within 4.5 s";
	return best;
}
