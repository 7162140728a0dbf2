/*
 * kprintf and the console behind it (lib/printf.h): one lock for whole
 * lines, the history a late console replays, and the bounded lock of panic
 * mode. Output goes to the serial port (dev/uart.c) and the framebuffer
 * console (dev/fbcon.c); the formatting is lib/printf.c.
 */
#include "lib/printf.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/cpu.h"
#include "dev/fbcon.h"
#include "dev/uart.h"
#include "lib/spinlock.h"

static struct spinlock console_lock = SPINLOCK_INIT;
static volatile bool panic_mode;

/* About a second of spinning under TCG, far more on hardware. */
#define PANIC_LOCK_SPINS 50000000u

static char history[CONSOLE_HISTORY];
static uint64_t history_len; /* total bytes ever printed */

static void console_put(char c)
{
	history[history_len++ % CONSOLE_HISTORY] = c;
	uart_putc(c);
	fbcon_putc(c);
}

static bool console_acquire(void)
{
	bool irq = interrupts_enabled();
	cli();
	if (!panic_mode) {
		spin_lock(&console_lock);
		return irq;
	}
	for (uint32_t i = 0; i < PANIC_LOCK_SPINS && !spin_trylock(&console_lock); i++)
		cpu_pause();
	return irq; /* in panic mode, print even without the lock */
}

static int kvprintf(const char *fmt, va_list ap)
{
	bool irq = console_acquire();
	int n = kvformat(console_put, fmt, ap);
	spin_unlock_irqrestore(&console_lock, irq);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void console_panic_mode(void) { panic_mode = true; }

void console_replay(void (*put)(char c))
{
	bool irq = console_acquire();
	uint64_t start = history_len > CONSOLE_HISTORY ? history_len - CONSOLE_HISTORY : 0;
	for (uint64_t i = start; i < history_len; i++)
		put(history[i % CONSOLE_HISTORY]);
	spin_unlock_irqrestore(&console_lock, irq);
}

uint64_t console_lost_bytes(void)
{
	return history_len > CONSOLE_HISTORY ? history_len - CONSOLE_HISTORY : 0;
}
