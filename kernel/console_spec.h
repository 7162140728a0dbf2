/*
 * The serial console a user names on the command line (`console=`), parsed
 * without touching hardware so the host tests can check every form:
 *
 *   auto                     ACPI SPCR, else every COM port that answers (default)
 *   none                     no serial port (the framebuffer only)
 *   com1 .. com4[,BAUD]      the PC's ports 0x3f8, 0x2f8, 0x3e8, 0x2e8
 *   io:PORT[,BAUD]           a 16550 at another I/O port
 *   mmio:ADDR[,8|32][,BAUD]  a memory-mapped 16550 with 8-bit (default) or
 *                            32-bit registers
 *
 * BAUD assumes the PC's 1.8432 MHz UART clock: a divisor of 115200 from 50
 * up. Without BAUD, I/O ports run at 115200 and MMIO ports
 * keep what the firmware set (their clock is unknown).
 */
#ifndef KERNEL_CONSOLE_SPEC_H
#define KERNEL_CONSOLE_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/uart.h"

#define CONSOLE_DEFAULT_BAUD 115200u
#define CONSOLE_COM_PORTS 4
#define CONSOLE_MIN_BAUD 50u

enum console_mode { CONSOLE_AUTO, CONSOLE_NONE, CONSOLE_PORT };

struct console_spec {
	enum console_mode mode;
	struct uart port; /* CONSOLE_PORT */
};

/* I/O port of COM1..COM4 (n = 1..4). */
uint16_t console_com_port(unsigned n);

/* Parse a console= value; false with a reason in err (NUL-terminated). */
bool console_spec_parse(const char *value, struct console_spec *out, char *err, size_t err_size);

/*
 * A port in words: "com2 (io:0x2f8, 115200 baud)",
 * "mmio:0xfe030000 (32-bit registers, baud as set by the firmware)".
 */
void console_port_name(const struct uart *u, char *buf, size_t size);

#endif
