/*
 * console= values (see console_spec.h).
 */
#include "console_spec.h"

#include "cmdline.h"
#include "lib/printf.h"
#include "lib/string.h"

static const uint16_t com_ports[CONSOLE_COM_PORTS] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

uint16_t console_com_port(unsigned n) { return n >= 1 && n <= CONSOLE_COM_PORTS ? com_ports[n - 1] : 0; }

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ",BAUD" at *p, or the end; I/O ports: 115200 must be a multiple of it. */
static bool parse_baud(const char *p, struct uart *u, char *err, size_t size)
{
	if (*p == '\0')
		return true;
	uint64_t baud;
	if (*p++ != ',' || !kopt_parse_uint_prefix(&p, &baud) || *p != '\0') {
		ksnprintf(err, size, "expected ,BAUD after the port");
		return false;
	}
	if (baud < CONSOLE_MIN_BAUD || baud > UART_CLOCK_HZ / 16 || (UART_CLOCK_HZ / 16) % baud != 0) {
		ksnprintf(err, size, "baud %llu: want a divisor of %u from %u (115200, 57600, 38400, 19200, 9600, ...)",
			  (unsigned long long)baud, UART_CLOCK_HZ / 16, CONSOLE_MIN_BAUD);
		return false;
	}
	u->baud = (uint32_t)baud;
	return true;
}

static bool parse_io(const char *p, struct uart *u, char *err, size_t size)
{
	uint64_t port;
	if (!kopt_parse_uint_prefix(&p, &port) || port == 0 || port > 0xffff - 7) {
		ksnprintf(err, size, "io:PORT wants an I/O port 0x1..0xfff8, e.g. io:0x2f8");
		return false;
	}
	u->base = port;
	return parse_baud(p, u, err, size);
}

/* mmio:ADDR[,8|32][,BAUD]: a field of 8 or 32 is the register width, anything else a baud. */
static bool parse_mmio(const char *p, struct uart *u, char *err, size_t size)
{
	uint64_t addr, width;
	if (!kopt_parse_uint_prefix(&p, &addr) || addr == 0 || (addr >> 52) != 0) {
		ksnprintf(err, size, "mmio:ADDR wants a physical address, e.g. mmio:0xfe030000");
		return false;
	}
	u->mmio = true;
	u->base = addr;
	u->baud = 0;
	const char *q = p;
	if (*q == ',' && (q++, kopt_parse_uint_prefix(&q, &width)) && (width == 8 || width == 32) &&
	    (*q == '\0' || *q == ',')) {
		u->reg_bytes = (uint8_t)(width / 8);
		p = q;
	}
	if (u->base % u->reg_bytes != 0) {
		ksnprintf(err, size, "mmio:%#llx is not aligned to its %u-byte registers",
			  (unsigned long long)addr, u->reg_bytes);
		return false;
	}
	return parse_baud(p, u, err, size);
}

bool console_spec_parse(const char *value, struct console_spec *out, char *err, size_t size)
{
	struct console_spec s = { .mode = CONSOLE_PORT,
				  .port = { .reg_bytes = 1, .baud = CONSOLE_DEFAULT_BAUD, .clock_hz = UART_CLOCK_HZ } };
	bool ok;
	if (strcmp(value, "auto") == 0 || strcmp(value, "none") == 0) {
		s.mode = value[0] == 'a' ? CONSOLE_AUTO : CONSOLE_NONE;
		ok = true;
	} else if (starts_with(value, "com") && value[3] >= '1' && value[3] <= '0' + CONSOLE_COM_PORTS) {
		s.port.base = com_ports[value[3] - '1'];
		ok = parse_baud(value + 4, &s.port, err, size);
	} else if (starts_with(value, "io:")) {
		ok = parse_io(value + 3, &s.port, err, size);
	} else if (starts_with(value, "mmio:")) {
		ok = parse_mmio(value + 5, &s.port, err, size);
	} else {
		ksnprintf(err, size, "want auto, none, com1..com4, io:PORT or mmio:ADDR[,8|32], then [,BAUD]");
		ok = false;
	}
	if (ok)
		*out = s;
	return ok;
}

void console_port_name(const struct uart *u, char *buf, size_t size)
{
	char baud[40];
	if (u->baud)
		ksnprintf(baud, sizeof(baud), "%u baud", u->baud);
	else
		ksnprintf(baud, sizeof(baud), "baud as set by the firmware");
	if (u->mmio) {
		ksnprintf(buf, size, "mmio:%#llx (%u-bit registers, %s)", (unsigned long long)u->base,
			  u->reg_bytes * 8u, baud);
		return;
	}
	for (unsigned i = 0; i < CONSOLE_COM_PORTS; i++) {
		if (u->base == com_ports[i]) {
			ksnprintf(buf, size, "com%u (io:%#llx, %s)", i + 1, (unsigned long long)u->base, baud);
			return;
		}
	}
	ksnprintf(buf, size, "io:%#llx (%s)", (unsigned long long)u->base, baud);
}
