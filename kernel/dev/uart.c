/*
 * 16550 UART driver, polled output only (PC16550D data sheet).
 */
#include "dev/uart.h"

#include <stdint.h>

#include "arch/cpu.h"

#define COM1 0x3f8
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

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07 /* FIFO on, both FIFOs cleared */
#define MCR_DTR_RTS_OUT2 0x0b
#define MCR_LOOPBACK 0x10
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TRANSMITTER_EMPTY 0x40 /* THR and shift register both empty */

#define UART_CLOCK_DIVISOR 1 /* 115200 = 1.8432 MHz / 16 / 1 */
/* About 10 ms on real hardware (one port read is roughly 1 us). */
#define UART_WAIT_LIMIT 10000

static bool present;

static uint8_t reg_read(int reg) { return inb((uint16_t)(COM1 + reg)); }
static void reg_write(int reg, uint8_t v) { outb((uint16_t)(COM1 + reg), v); }

/* A byte sent in loopback mode must come back on the receive side. */
static bool loopback_works(void)
{
	reg_write(UART_MCR, MCR_LOOPBACK);
	while (reg_read(UART_LSR) & LSR_DATA_READY)
		reg_read(UART_RBR);
	reg_write(UART_THR, 0xa5);
	for (int i = 0; i < UART_WAIT_LIMIT; i++) {
		if (reg_read(UART_LSR) & LSR_DATA_READY)
			return reg_read(UART_RBR) == 0xa5;
	}
	return false;
}

bool uart_init(void)
{
	present = false;
	/* No device on the bus reads 0xff; a 16550 keeps what is written to SCR. */
	if (reg_read(UART_LSR) == 0xff)
		return false;
	reg_write(UART_SCR, 0x5a);
	if (reg_read(UART_SCR) != 0x5a)
		return false;

	reg_write(UART_IER, 0);
	reg_write(UART_LCR, LCR_DLAB);
	reg_write(UART_DLL, UART_CLOCK_DIVISOR & 0xff);
	reg_write(UART_DLM, UART_CLOCK_DIVISOR >> 8);
	reg_write(UART_LCR, LCR_8N1);
	reg_write(UART_FCR, FCR_ENABLE_CLEAR);
	bool ok = loopback_works();
	reg_write(UART_MCR, MCR_DTR_RTS_OUT2);
	present = ok;
	return ok;
}

bool uart_present(void) { return present; }

static void put_raw(char c)
{
	for (int i = 0; i < UART_WAIT_LIMIT; i++) {
		if (reg_read(UART_LSR) & LSR_THR_EMPTY) {
			reg_write(UART_THR, (uint8_t)c);
			return;
		}
		cpu_pause();
	}
}

void uart_putc(char c)
{
	if (!present)
		return;
	if (c == '\n')
		put_raw('\r');
	put_raw(c);
}

void uart_flush(void)
{
	if (!present)
		return;
	for (int i = 0; i < UART_WAIT_LIMIT; i++) {
		if (reg_read(UART_LSR) & LSR_TRANSMITTER_EMPTY)
			return;
		cpu_pause();
	}
}
