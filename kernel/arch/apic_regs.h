/*
 * Local APIC register offsets and fields shared by apic.c, apic_lvt.c and
 * apic_timer.c. Intel SDM Vol. 3A, table 11-1 (xAPIC register address map;
 * in x2APIC mode register R is MSR 0x800 + R / 16, 11.12.1.2), 11.5.1
 * (local vector table), 11.5.4 (APIC timer), 11.8.4 (IRR, ISR).
 */
#ifndef KERNEL_ARCH_APIC_REGS_H
#define KERNEL_ARCH_APIC_REGS_H

#include <stdint.h>

#define APIC_ID 0x020
#define APIC_VERSION 0x030
#define APIC_TPR 0x080
#define APIC_EOI 0x0B0
#define APIC_SVR 0x0F0
#define APIC_ISR 0x100 /* 8 registers, 16 bytes apart: vectors 32 * i .. 32 * i + 31 */
#define APIC_IRR 0x200
#define APIC_ESR 0x280
#define APIC_LVT_CMCI 0x2F0
#define APIC_ICR_LOW 0x300
#define APIC_ICR_HIGH 0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF 0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_INITIAL 0x380
#define APIC_TIMER_CURRENT 0x390
#define APIC_TIMER_DIVIDE 0x3E0

#define APIC_SVR_ENABLE (1u << 8)
#define APIC_VERSION_MAX_LVT_SHIFT 16 /* bits 23:16: number of LVT entries - 1 */

/* LVT entry fields (11.5.1, figure 11-8). */
#define LVT_DELIVERY_NMI (4u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define TIMER_DIVIDE_BY_1 0xBu /* divide configuration register, 11.5.4 */

uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t value);

/* Bit `vector` of the 256-bit IRR or ISR at `base` (APIC_IRR, APIC_ISR). */
static inline int apic_vector_bit(uint32_t base, unsigned vector)
{
	return (apic_read(base + 0x10 * (vector / 32)) >> (vector % 32)) & 1;
}

#endif
