/* QEMU isa-debug-exit, only where QEMU is detected (see debug_exit.h). */
#include "dev/debug_exit.h"

#include "arch/cpu.h"

/* The device answers reads with 0; an unassigned port reads as all ones. */
#define DEBUG_EXIT_READ_VALUE 0u

/* QEMU with isa-debug-exit, detected as described in debug_exit.h. */
static bool debug_exit_present(void)
{
	if (!cpu_has_hypervisor())
		return false;
	return inl(DEBUG_EXIT_PORT) == DEBUG_EXIT_READ_VALUE;
}

void debug_exit(uint32_t value)
{
	if (debug_exit_present())
		outl(DEBUG_EXIT_PORT, value);
}
