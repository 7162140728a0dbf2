/* Resetting the machine (see reset.h). */
#include "dev/reset.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu.h"
#include "dev/acpi_reg.h"

#define KBC_STATUS 0x64
#define KBC_STATUS_INPUT_FULL 0x02
#define KBC_CMD_PULSE_RESET 0xfe
/* Pause loops the reset methods get before the next one is tried. */
#define KBC_READY_SPINS 100000
#define RESET_WAIT_SPINS 10000000

static bool acpi_reset;
static struct acpi_reg acpi_reset_reg;
static uint8_t acpi_reset_value;

void reset_set_acpi(const struct fadt_reset *reg)
{
	/* 4.8.3.6: I/O, memory or PCI configuration space; PCI is left to the 8042 and the triple fault. */
	if (!reg->present || acpi_reg_map(&acpi_reset_reg, reg->reg.address_space_id, reg->reg.address, 1) != ACPI_REG_OK)
		return;
	acpi_reset_value = reg->value;
	acpi_reset = true;
}

static void wait_for_reset(void)
{
	for (volatile int i = 0; i < RESET_WAIT_SPINS; i++)
		cpu_pause();
}

__attribute__((noreturn)) void machine_reset(void)
{
	if (acpi_reset) {
		acpi_reg_write8(&acpi_reset_reg, acpi_reset_value);
		wait_for_reset();
	}
	for (int i = 0; i < KBC_READY_SPINS && (inb(KBC_STATUS) & KBC_STATUS_INPUT_FULL); i++)
		cpu_pause();
	outb(KBC_STATUS, KBC_CMD_PULSE_RESET);
	wait_for_reset();
	/* Triple fault: no IDT, then an exception. */
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} empty = { 0, 0 };
	__asm__ volatile("lidt %0; int3" ::"m"(empty));
	cpu_halt_forever();
}
