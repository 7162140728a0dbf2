/*
 * panic() and the frame-pointer backtrace (the kernel is built with
 * -fno-omit-frame-pointer: each frame starts with the caller's RBP, then
 * the return address).
 */
#include "lib/panic.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "arch/cpu.h"
#include "verdict.h"

#define BACKTRACE_MAX 24
/* Frames live in the kernel's stacks, which are in the image or the direct map. */
#define KERNEL_HALF 0xffff800000000000ull

void (*panic_stop_others)(void);

/* Two panics within this distance of each other's stack run on one CPU. */
#define SAME_STACK_BYTES (64 * 1024)

static atomic_uint panicking;
static uint64_t first_rsp;

void panic_enter(void)
{
	uint64_t rsp = (uint64_t)__builtin_frame_address(0);
	cli();
	console_panic_mode();
	if (atomic_fetch_add(&panicking, 1) != 0) {
		/* A fault while panicking on this CPU: carry on to the verdict.
		 * Another CPU panicking at the same time: leave the report to
		 * the first one. */
		uint64_t d = rsp > first_rsp ? rsp - first_rsp : first_rsp - rsp;
		if (d > SAME_STACK_BYTES)
			cpu_halt_forever();
		return;
	}
	first_rsp = rsp;
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
