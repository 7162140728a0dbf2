/* QEMU isa-debug-exit (see debug_exit.h). */
#include "dev/debug_exit.h"

#include "arch/cpu.h"

void debug_exit(uint32_t value)
{
	outl(DEBUG_EXIT_PORT, value);
}
