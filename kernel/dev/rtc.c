/*
 * CMOS RTC update edges (see rtc.h). MC146818A datasheet: registers 0
 * (seconds), A (UIP, bit 7), B (SET, bit 7; DM, bit 2), D (VRT, bit 7:
 * valid RAM and time).
 */
#include "dev/rtc.h"

#include <stddef.h>

#include "arch/cpu.h"
#include "arch/tsc.h"

#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define RTC_REG_SECONDS 0x00
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_D 0x0d
#define RTC_A_UIP (1u << 7)
#define RTC_B_SET (1u << 7)
#define RTC_B_DM_BINARY (1u << 2)
#define RTC_D_VRT (1u << 7)
#define FLOATING_BUS 0xffu

static const char *absent_why;

/* Index bit 7 is the NMI mask on PCs: written 0, NMIs stay enabled. */
static uint8_t rtc_read(uint8_t reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

void rtc_set_absent(const char *why)
{
	absent_why = why;
}

const char *rtc_check(void)
{
	if (absent_why)
		return absent_why;
	uint8_t d = rtc_read(RTC_REG_D);
	if (d == FLOATING_BUS && rtc_read(RTC_REG_A) == FLOATING_BUS)
		return "absent (registers read 0xff)";
	if (!(d & RTC_D_VRT))
		return "battery dead (register D VRT clear)";
	if (rtc_read(RTC_REG_B) & RTC_B_SET)
		return "updates stopped (register B SET)";
	return NULL;
}

static unsigned seconds_value(uint8_t raw, bool binary)
{
	return binary ? raw : (unsigned)(raw >> 4) * 10 + (raw & 0xf);
}

/*
 * Poll until the seconds register changes. A read with UIP clear is safe
 * (the registers hold for 244 us); UIP set, or the old second, means the
 * update has not ended yet, so the edge lies after that read began.
 */
bool rtc_next_edge(uint64_t deadline, struct rtc_edge *out)
{
	bool binary = (rtc_read(RTC_REG_B) & RTC_B_DM_BINARY) != 0;
	int old = -1;
	uint64_t before_edge = 0;
	for (;;) {
		uint64_t t0 = tsc_begin();
		if (t0 > deadline)
			return false;
		if (rtc_read(RTC_REG_A) & RTC_A_UIP) {
			before_edge = t0;
			continue;
		}
		int now = (int)rtc_read(RTC_REG_SECONDS);
		uint64_t t1 = tsc_begin();
		if (old >= 0 && now != old && before_edge) {
			*out = (struct rtc_edge){ before_edge + (t1 - before_edge) / 2, t1 - before_edge,
						  seconds_value((uint8_t)now, binary) % 60 };
			return true;
		}
		old = now;
		before_edge = t0;
	}
}
