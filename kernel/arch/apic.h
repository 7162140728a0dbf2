/*
 * Local APIC in xAPIC (MMIO) or x2APIC (MSR) mode, chosen at run time.
 * Intel SDM Vol. 3A, chapter 11 "Advanced Programmable Interrupt Controller"
 * (11.4 local APIC, 11.6 issuing IPIs, 11.12 x2APIC).
 *
 * x2APIC is used when the firmware handed over in x2APIC mode (it cannot be
 * left without a reset) or when an APIC id does not fit xAPIC's 8 bits.
 * QEMU TCG has no x2APIC, so CI runs the xAPIC path; the x2APIC path is kept
 * to the few register accesses that differ (ICR, ID, ESR, enable).
 */
#ifndef KERNEL_ARCH_APIC_H
#define KERNEL_ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

enum apic_mode { APIC_MODE_XAPIC, APIC_MODE_X2APIC };

/* Vectors this kernel uses (>= 32; the spurious vector's low 4 bits are 1s). */
#define APIC_VECTOR_WAKE 0xF0   /* run_cores: work is waiting */
#define APIC_VECTOR_TIMER 0xF1  /* the boot CPU's watchdog tick (apic_timer.c) */
#define APIC_VECTOR_SPURIOUS 0xFF
/* armed_irqs=1: what the self-test arms "as firmware", with no handler on purpose. */
#define APIC_VECTOR_SELFTEST_TIMER 0x30
#define APIC_VECTOR_SELFTEST_IOAPIC 0x31

/*
 * BSP: choose the mode (x2APIC if the firmware left it on or `need_x2apic`),
 * map the xAPIC page, enable the APIC, mask the legacy PICs. Returns false
 * with a message when a required x2APIC is missing (the BSP then runs alone,
 * in xAPIC mode).
 */
bool apic_init_bsp(uint64_t madt_apic_phys, bool need_x2apic);
/* AP: enable its own local APIC in the BSP's mode. */
void apic_init_ap(void);

/*
 * Local vector table (apic_lvt.c). Every entry this APIC has (timer,
 * thermal, performance counter, LINT0, LINT1, error, and CMCI where
 * IA32_MCG_CAP has MCG_CMCI_P) is masked before interrupts are first
 * enabled; then the BSP's LINT1 is set to NMI (an NMI from the chipset is
 * reported, not lost). Called by apic_init_bsp/apic_init_ap.
 */
void apic_lvt_init_this_cpu(bool bsp);
/* armed_irqs=1: arm the LVT timer (periodic) before the masking and wait until it is pending. */
void apic_lvt_selftest_arm(void);
/* Whether armed_irqs=1 was given (the I/O APIC arms a pin too). */
bool apic_selftest_armed_irqs(void);
/* armed_irqs=1: wait (bounded) until `vector` is pending in the BSP's IRR; false if it never is. */
bool apic_selftest_wait_pending(unsigned vector);
/*
 * BSP, after every LVT entry and I/O APIC pin is masked, before the first
 * `sti`: what the firmware left in service gets an EOI, and what it left
 * pending is taken and dropped (WARN with the vectors), so that none of it
 * ends the run as an "unexpected interrupt".
 */
void apic_drain_pending(void);

/*
 * This CPU's APIC timer as a one-shot wake-up (apic_timer.c): measured once
 * against the TSC (after tsc_calibrate; false if it does not count), then
 * armed for about `ms` milliseconds on APIC_VECTOR_TIMER, or stopped.
 */
bool apic_timer_calibrate(void);
void apic_timer_oneshot_ms(unsigned ms);
void apic_timer_stop(void);

/* This CPU's APIC id from CPUID (leaf 0BH x2APIC id, else leaf 1 EBX[31:24]); usable before apic_init_bsp. */
uint32_t apic_id_from_cpuid(void);

enum apic_mode apic_mode(void);
const char *apic_mode_name(void);
/* This CPU's APIC id (8 bits in xAPIC mode, 32 in x2APIC mode). */
uint32_t apic_id(void);
void apic_eoi(void);

/*
 * Interprocessor interrupts to one CPU, never broadcast. Each returns the
 * Error Status Register read after sending (0 = no error), or, in xAPIC
 * mode, APIC_SEND_TIMEOUT when the delivery status never cleared.
 */
#define APIC_SEND_TIMEOUT 0x80000000u
uint32_t apic_send_init(uint32_t apic_id);
uint32_t apic_send_startup(uint32_t apic_id, uint8_t page_vector);
uint32_t apic_send_fixed(uint32_t apic_id, uint8_t vector);
uint32_t apic_send_nmi(uint32_t apic_id);

#endif
