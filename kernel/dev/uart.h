/*
 * 16550 UART on COM1 (I/O port 0x3f8), polled, 115200 baud 8N1.
 * Follows the National Semiconductor PC16550D data sheet (register map,
 * LSR bits, loopback mode in MCR bit 4).
 *
 * Many laptops have no COM1: uart_init() detects that (scratch register and
 * a loopback test), and every wait for the transmitter is bounded, so an
 * absent or stuck UART never hangs the kernel.
 */
#ifndef KERNEL_DEV_UART_H
#define KERNEL_DEV_UART_H

#include <stdbool.h>

/* Probe and configure COM1; returns whether a UART answered. */
bool uart_init(void);
bool uart_present(void);
/* Send one byte ("\n" is sent as "\r\n"); drops it if the UART stays busy. */
void uart_putc(char c);
/* Wait (bounded) until the last byte has left the transmitter, e.g. before QEMU exits. */
void uart_flush(void);

#endif
