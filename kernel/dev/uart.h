/*
 * 16550-compatible UARTs, polled output only, on I/O ports or memory-mapped
 * registers with 8- or 32-bit access. Follows the National Semiconductor
 * PC16550D data sheet (register map, LSR bits, loopback mode in MCR bit 4,
 * divisor = clock / (16 * baud)).
 *
 * The console writes every byte to each port added with uart_add (a machine
 * may have several: kernel/console.c chooses them). Many laptops have no
 * UART: uart_probe() detects an absent one (a bus that reads 0xff, the
 * scratch register, a loopback test), and every wait for the transmitter is
 * bounded, so an absent or stuck UART never hangs the kernel.
 */
#ifndef KERNEL_DEV_UART_H
#define KERNEL_DEV_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_CLOCK_HZ 1843200u /* the PC's 1.8432 MHz: divisor 1 = 115200 baud */
#define UART_PORTS_MAX 4

struct uart {
	bool mmio;            /* registers in memory (base is physical), else I/O ports */
	uint8_t reg_bytes;    /* register width and stride: 1 (8-bit) or 4 (32-bit, MMIO only) */
	uint64_t base;        /* I/O port or physical address of register 0 */
	uint32_t baud;        /* 0: keep the divisor the firmware set */
	uint32_t clock_hz;    /* input clock for the divisor (UART_CLOCK_HZ) */
	volatile void *regs;  /* MMIO: the mapped registers (set by uart_probe) */
};

enum uart_presence {
	UART_ABSENT,      /* the bus reads 0xff, or the scratch register does not keep a value */
	UART_NO_LOOPBACK, /* registers answer, but a byte sent in loopback mode does not return */
	UART_PRESENT,     /* a working 16550 */
};

/*
 * What answers at u (MMIO is mapped uncached first, so only after
 * paging_init); unless absent, program it: 8N1, FIFOs on, u->baud unless 0.
 */
enum uart_presence uart_probe(struct uart *u);
/* From now on the console writes to u as well (a probed port); false if the table is full. */
bool uart_add(const struct uart *u);
/* Ports the console writes to. */
unsigned uart_count(void);
/* Send one byte to every added port ("\n" is sent as "\r\n"); drops it at a port that stays busy. */
void uart_putc(char c);
/* Wait (bounded) until the last byte has left every transmitter, e.g. before QEMU exits. */
void uart_flush(void);

#endif
