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
/* RTC: the median of three update-to-update seconds, all within 6 s (at TSC_HZ_MAX). */
#define RTC_SECONDS 3
#define RTC_BOUND_US 6000000u

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

/* A counter an ACPI table announced: the median of its runs, or why there is none. */
static uint64_t announced_counter(bool present, const char *absent, uint64_t (*measure)(void), const char **why)
{
	if (!present) {
		*why = absent;
		return 0;
	}
	uint64_t hz = median_of_runs(measure);
	if (hz == 0)
		*why = "not counting";
	return hz;
}

uint64_t tsc_ref_pmtimer(const char **why)
{
	return announced_counter(pmtimer_present(), "absent (no FADT, hardware-reduced ACPI, or no PM_TMR_BLK)",
				 measure_pmtimer, why);
}

uint64_t tsc_ref_hpet(const char **why)
{
	return announced_counter(hpet_present(), "absent (no usable ACPI HPET table)", measure_hpet, why);
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
 * TSC ticks per RTC second: the median of RTC_SECONDS consecutive
 * update-to-update seconds (one TSC jump, a vCPU moved to a host CPU whose
 * TSC differs, spoils one second, not the median). Each end of a second is
 * seen within the interval between two polls (rtc_edge.width); a second
 * whose ends blur it by more than 1 % (an SMI, a descheduled vCPU) is
 * skipped. The log says how many seconds were taken and how sharp they were.
 */
uint64_t tsc_ref_rtc(const char **why)
{
	if ((*why = rtc_check()) != NULL)
		return 0;
	uint64_t deadline = tsc_begin() + tsc_bound_ticks(RTC_BOUND_US), seconds[RTC_SECONDS], worst_ppm = 0;
	struct rtc_edge prev = { 0, 0, 0 }, e;
	unsigned n = 0;
	bool have_prev = false;
	while (n < RTC_SECONDS && rtc_next_edge(deadline, &e)) {
		uint64_t ticks = e.tsc - prev.tsc, blur = (e.width + prev.width) / 2;
		if (have_prev && e.second == (prev.second + 1) % 60 && blur * 100 <= ticks) {
			uint64_t ppm = blur * 1000000 / ticks;
			worst_ppm = ppm > worst_ppm ? ppm : worst_ppm;
			/* insertion sort: seconds[] stays ordered */
			unsigned i = n++;
			for (; i > 0 && seconds[i - 1] > ticks; i--)
				seconds[i] = seconds[i - 1];
			seconds[i] = ticks;
		}
		have_prev = true;
		prev = e;
	}
	if (n == 0) {
		*why = "no update-to-update second within 6 s";
		return 0;
	}
	kprintf("tsc: rtc: median of %u seconds, their ends known to +-%llu ppm\n", n, (unsigned long long)worst_ppm);
	return n % 2 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2;
}
