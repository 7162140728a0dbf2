/*
 * console= values (kernel/console_spec.c) on the host: every form, the
 * defaults it fills in, the port names in the console line, and refusals
 * with their reasons.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "console_spec.h"
#include "lib/printf.h"

static struct console_spec ok(const char *value)
{
	struct console_spec s;
	char err[160] = "";
	memset(&s, 0xee, sizeof(s));
	cr_assert(console_spec_parse(value, &s, err, sizeof(err)), "%s refused: %s", value, err);
	return s;
}

static void refused(const char *value, const char *reason)
{
	struct console_spec s = { .mode = CONSOLE_NONE };
	char err[160] = "";
	cr_assert_not(console_spec_parse(value, &s, err, sizeof(err)), "%s accepted", value);
	cr_assert(strstr(err, reason), "%s: reason '%s' lacks '%s'", value, err, reason);
	cr_assert_eq(s.mode, CONSOLE_NONE, "%s: output changed on error", value);
}

static void named(const char *value, const char *want)
{
	struct console_spec s = ok(value);
	char buf[128];
	console_port_name(&s.port, buf, sizeof(buf));
	cr_assert_str_eq(buf, want, "%s", value);
}

Test(console_spec, auto_and_none)
{
	cr_assert_eq(ok("auto").mode, CONSOLE_AUTO);
	cr_assert_eq(ok("none").mode, CONSOLE_NONE);
}

Test(console_spec, com_ports_and_baud)
{
	static const uint16_t want[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
	for (unsigned n = 1; n <= 4; n++) {
		char v[8];
		snprintf(v, sizeof(v), "com%u", n);
		struct console_spec s = ok(v);
		cr_assert_eq(s.mode, CONSOLE_PORT);
		cr_assert_not(s.port.mmio);
		cr_assert_eq(s.port.base, want[n - 1]);
		cr_assert_eq(s.port.baud, 115200);
		cr_assert_eq(s.port.reg_bytes, 1);
		cr_assert_eq(s.port.clock_hz, 1843200);
		cr_assert_eq(console_com_port(n), want[n - 1]);
	}
	cr_assert_eq(ok("com2,9600").port.baud, 9600);
	cr_assert_eq(ok("com1,115200").port.baud, 115200);
	named("com2", "com2 (io:0x2f8, 115200 baud)");
	named("com4,57600", "com4 (io:0x2e8, 57600 baud)");
}

Test(console_spec, io_ports)
{
	struct console_spec s = ok("io:0x2f8");
	cr_assert_eq(s.port.base, 0x2f8);
	cr_assert_eq(s.port.baud, 115200);
	cr_assert_eq(ok("io:760,38400").port.base, 760);
	named("io:0x2f8", "com2 (io:0x2f8, 115200 baud)");
	named("io:0xe000,19200", "io:0xe000 (19200 baud)");
}

Test(console_spec, mmio_width_and_baud)
{
	struct console_spec s = ok("mmio:0xfe032000");
	cr_assert(s.port.mmio);
	cr_assert_eq(s.port.base, 0xfe032000);
	cr_assert_eq(s.port.reg_bytes, 1);
	cr_assert_eq(s.port.baud, 0, "MMIO keeps the firmware's baud unless told");
	s = ok("mmio:0xfe032000,32");
	cr_assert_eq(s.port.reg_bytes, 4);
	cr_assert_eq(s.port.baud, 0);
	s = ok("mmio:0xfe032000,32,115200");
	cr_assert_eq(s.port.reg_bytes, 4);
	cr_assert_eq(s.port.baud, 115200);
	s = ok("mmio:0xfe032001,8,9600");
	cr_assert_eq(s.port.reg_bytes, 1);
	cr_assert_eq(s.port.baud, 9600);
	s = ok("mmio:0xfe032000,57600");
	cr_assert_eq(s.port.reg_bytes, 1, "a field other than 8 or 32 is the baud");
	cr_assert_eq(s.port.baud, 57600);
	named("mmio:0xfe032000,32", "mmio:0xfe032000 (32-bit registers, baud as set by the firmware)");
	named("mmio:0xfe032000,8,9600", "mmio:0xfe032000 (8-bit registers, 9600 baud)");
}

Test(console_spec, refusals)
{
	refused("", "want auto, none, com1..com4");
	refused("com5", "want auto, none, com1..com4");
	refused("com0", "want auto");
	refused("ttyS0", "want auto");
	refused("com1,", "expected ,BAUD");
	refused("com1,fast", "expected ,BAUD");
	refused("com1,115200,8", "expected ,BAUD");
	refused("com1,0", "want a divisor of 115200");
	refused("com1,100000", "want a divisor of 115200");
	refused("com1,230400", "want a divisor of 115200");
	refused("io:", "io:PORT wants an I/O port");
	refused("io:0", "io:PORT wants an I/O port");
	refused("io:0x10000", "io:PORT wants an I/O port");
	refused("io:0xfffc", "io:PORT wants an I/O port");
	refused("mmio:", "mmio:ADDR wants a physical address");
	refused("mmio:0", "mmio:ADDR wants a physical address");
	refused("mmio:0x10000000000000", "mmio:ADDR wants a physical address");
	refused("mmio:0xfe032002,32", "not aligned to its 4-byte registers");
	refused("mmio:0xfe032000,32,x", "expected ,BAUD");
	refused("mmio:0xfe032000,16", "want a divisor");
	refused("mmio:0xfe032000,32,100000", "want a divisor");
}
