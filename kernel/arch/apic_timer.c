/*
 * Local APIC timer as a one-shot wake-up: the boot CPU's watchdog tick
 * (lib/watchdog.c). Intel SDM Vol. 3A, 11.5.4 (divide configuration,
 * initial and current count, one-shot mode). The timer counts the bus or
 * crystal clock, whose rate no register states on every CPU: it is measured
 * once against the calibrated TSC. TSC-deadline mode (CPUID 01H ECX[24])
 * would need no measurement, but QEMU's default CPU models lack it.
 */
#include <stdint.h>

#include "arch/apic.h"
#include "arch/apic_regs.h"
#include "arch/tsc.h"

#define CALIBRATE_US 10000ull
#define COUNT_MAX 0xFFFFFFFFu

static uint64_t counts_per_ms;

bool apic_timer_calibrate(void)
{
	apic_write(APIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_1);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | APIC_VECTOR_TIMER);
	apic_write(APIC_TIMER_INITIAL, COUNT_MAX);
	tsc_delay_us(CALIBRATE_US);
	uint32_t left = apic_read(APIC_TIMER_CURRENT);
	apic_write(APIC_TIMER_INITIAL, 0);
	counts_per_ms = (COUNT_MAX - left) / (CALIBRATE_US / 1000);
	return counts_per_ms != 0;
}

void apic_timer_oneshot_ms(unsigned ms)
{
	uint64_t count = counts_per_ms * ms;
	apic_write(APIC_LVT_TIMER, APIC_VECTOR_TIMER); /* one-shot, unmasked */
	apic_write(APIC_TIMER_INITIAL, count > COUNT_MAX ? COUNT_MAX : (uint32_t)count);
}

void apic_timer_stop(void)
{
	apic_write(APIC_TIMER_INITIAL, 0);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | APIC_VECTOR_TIMER);
}
