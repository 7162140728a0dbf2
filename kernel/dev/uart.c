/*
 * 16550 UART driver, polled output only (PC16550D data sheet; see uart.h).
 */
#include "dev/uart.h"

#include <stdint.h>

#include "arch/cpu.h"
#include "arch/paging.h"

#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_RBR 0 /* receive buffer (DLAB=0) */
#define UART_DLL 0 /* divisor low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor high (DLAB=1) */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch */
#define UART_REGS 8

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* FIFO on, both FIFOs cleared */
#define MCR_DTR_RTS_OUT2 0x0b
#define MCR_LOOPBACK 0x10
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TRANSMITTER_EMPTY 0x40 /* THR and shift register both empty */

/* About 10 ms on real hardware (one register read is roughly 1 us). */
#define UART_WAIT_LIMIT 10000

static struct uart ports[UART_PORTS_MAX];
static unsigned nports;

static uint8_t reg_read(const struct uart *u, int reg)
{
	if (!u->mmio)
		return inb((uint16_t)(u->base + (unsigned)reg));
	if (u->reg_bytes == 4)
		return (uint8_t)((volatile uint32_t *)u->regs)[reg];
	return ((volatile uint8_t *)u->regs)[reg];
}

static void reg_write(const struct uart *u, int reg, uint8_t v)
{
	if (!u->mmio)
		outb((uint16_t)(u->base + (unsigned)reg), v);
	else if (u->reg_bytes == 4)
		((volatile uint32_t *)u->regs)[reg] = v;
	else
		((volatile uint8_t *)u->regs)[reg] = v;
}

/* A byte sent in loopback mode must come back on the receive side. */
static bool loopback_works(const struct uart *u)
{
	reg_write(u, UART_MCR, MCR_LOOPBACK);
	for (int i = 0; i < 64 && (reg_read(u, UART_LSR) & LSR_DATA_READY); i++)
		reg_read(u, UART_RBR);
	reg_write(u, UART_THR, 0xa5);
	for (int i = 0; i < UART_WAIT_LIMIT; i++) {
		if (reg_read(u, UART_LSR) & LSR_DATA_READY)
			return reg_read(u, UART_RBR) == 0xa5;
	}
	return false;
}

/* Divisor for u->baud from its clock; 0 when the baud cannot be made (> clock / 16). */
static uint32_t divisor(const struct uart *u)
{
	uint32_t d = (u->clock_hz / 16 + u->baud / 2) / u->baud;
	return d > 0xffff ? 0 : d;
}

enum uart_presence uart_probe(struct uart *u)
{
	if (u->reg_bytes != 1 && !(u->mmio && u->reg_bytes == 4))
		return UART_ABSENT;
	if (u->mmio)
		u->regs = paging_map_mmio(u->base, (uint64_t)UART_REGS * u->reg_bytes);
	/* No device on the bus reads 0xff; a 16550 keeps what is written to SCR. */
	if (reg_read(u, UART_LSR) == 0xff)
		return UART_ABSENT;
	reg_write(u, UART_SCR, 0x5a);
	if (reg_read(u, UART_SCR) != 0x5a)
		return UART_ABSENT;

	reg_write(u, UART_IER, 0);
	if (u->baud) {
		uint32_t d = divisor(u);
		if (d == 0)
			return UART_ABSENT; /* console_spec and SPCR parsing keep the baud in range */
		reg_write(u, UART_LCR, LCR_DLAB);
		reg_write(u, UART_DLL, (uint8_t)(d & 0xff));
		reg_write(u, UART_DLM, (uint8_t)(d >> 8));
	}
	reg_write(u, UART_LCR, LCR_8N1);
	reg_write(u, UART_FCR, FCR_ENABLE_CLEAR);
	bool ok = loopback_works(u);
	reg_write(u, UART_MCR, MCR_DTR_RTS_OUT2);
	return ok ? UART_PRESENT : UART_NO_LOOPBACK;
}

bool uart_add(const struct uart *u)
{
	if (nports == UART_PORTS_MAX)
		return false;
	ports[nports++] = *u;
	return true;
}

unsigned uart_count(void) { return nports; }

static void put_raw(const struct uart *u, char c)
{
	for (int i = 0; i < UART_WAIT_LIMIT; i++) {
		if (reg_read(u, UART_LSR) & LSR_THR_EMPTY) {
			reg_write(u, UART_THR, (uint8_t)c);
			return;
		}
		cpu_pause();
	}
}

void uart_putc(char c)
{
	for (unsigned i = 0; i < nports; i++) {
		if (c == '\n')
			put_raw(&ports[i], '\r');
		put_raw(&ports[i], c);
	}
}

void uart_flush(void)
{
	for (unsigned p = 0; p < nports; p++) {
		for (int i = 0; i < UART_WAIT_LIMIT; i++) {
			if (reg_read(&ports[p], UART_LSR) & LSR_TRANSMITTER_EMPTY)
				break;
			cpu_pause();
		}
	}
}
