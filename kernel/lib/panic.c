/*
 * panic() and the frame-pointer backtrace (the kernel is built with
 * -fno-omit-frame-pointer: each frame starts with the caller's RBP, then
 * the return address).
 */
#include "lib/panic.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "arch/cpu.h"
#include "arch/percpu.h"
#include "verdict.h"

#define BACKTRACE_MAX 24
/* Frames live in the kernel's stacks, which are in the image or the direct map. */
#define KERNEL_HALF 0xffff800000000000ull

void (*panic_stop_others)(void);

static atomic_uint panicking; /* CPUs that entered a panic; the first one reports */
static unsigned early_depth;  /* before the per-CPU data exists only the BSP runs */

/* This CPU's count of panics entered (struct percpu; a static one before it exists). */
static unsigned *panic_depth(void)
{
	return this_cpu_index_or_unknown() >= 0 ? &this_cpu()->panic_depth : &early_depth;
}

void panic_enter(void)
{
	cli();
	console_panic_mode();
	/* A fault while this CPU panics (nested): carry on to the verdict. */
	if ((*panic_depth())++ != 0)
		return;
	/* Another CPU panicking at the same time: leave it the report and the console. */
	if (atomic_fetch_add(&panicking, 1) != 0) {
		if (this_cpu_index_or_unknown() >= 0)
			atomic_store(&this_cpu()->state, CPU_STOPPED);
		cpu_halt_forever();
	}
	void (*stop)(void) = panic_stop_others;
	panic_stop_others = NULL;
	if (stop)
		stop();
}

void panic_backtrace(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace (addr2line -e build/kernel.elf ADDR):\n");
	if (rip)
		kprintf("  at  %p\n", (void *)rip);
	for (int i = 0; i < BACKTRACE_MAX; i++) {
		if (rbp < KERNEL_HALF || (rbp & 7) || rbp > UINT64_MAX - 16)
			break;
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (ret < KERNEL_HALF)
			break;
		kprintf("  #%-2d %p\n", i, (void *)ret);
		if (frame[0] <= rbp) /* stacks grow down: callers' frames lie above */
			break;
		rbp = frame[0];
	}
}

/* Double quotes would end the logfmt value early. */
static void unquote(char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\n')
			*s = '\'';
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	unquote(msg);

	panic_enter();
	kprintf("ERROR msg=\"panic: %s\"\n", msg);
	panic_backtrace(0, read_rbp());
	kernel_exit(false, "panic");
}
