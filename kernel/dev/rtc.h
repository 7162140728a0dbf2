/*
 * CMOS real-time clock (Motorola MC146818 and its PC descendants in every
 * chipset's LPC bridge): the once-a-second update as the TSC calibration
 * reference of last resort, on boards without PIT, HPET or ACPI PM timer.
 * MC146818A datasheet, "Update cycle": register A bit 7 (UIP) rises 244 us
 * before each update and falls when it has ended, with the new time in the
 * registers; consecutive updates are one second apart (32.768 kHz crystal).
 * While UIP reads 0 the registers hold still for at least 244 us. Register
 * B bit 7 (SET) stops the updates, bit 2 (DM) selects binary over BCD.
 * Index port 0x70, data port 0x71. ACPI 6.5, 5.2.9.3: the FADT's
 * IAPC_BOOT_ARCH bit 5 says a board has no CMOS RTC.
 */
#ifndef KERNEL_DEV_RTC_H
#define KERNEL_DEV_RTC_H

#include <stdbool.h>
#include <stdint.h>

/* Mark the RTC absent (the FADT says so); rtc_check then says why. */
void rtc_set_absent(const char *why);

/* NULL when the RTC looks present and updating, else why it cannot serve. */
const char *rtc_check(void);

/* One end of an update, seen by polling. */
struct rtc_edge {
	uint64_t tsc;      /* midpoint of the interval in which the update ended */
	uint64_t width;    /* that interval in TSC ticks: the edge is known to +-width/2 */
	unsigned second;   /* the seconds register after the update, 0..59 */
};

/* The next update's end; false when none ended before the TSC passed `deadline`. */
bool rtc_next_edge(uint64_t deadline, struct rtc_edge *out);

#endif
