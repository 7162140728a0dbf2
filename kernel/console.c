/*
 * Serial console choice: console=, ACPI SPCR, probing COM1..COM4 (console.h).
 */
#include "console.h"

#include "cmdline.h"
#include "console_spec.h"
#include "dev/uart.h"
#include "firmware/spcr.h"
#include "lib/printf.h"
#include "lib/string.h"

#define NAME_MAX_LEN 96

static struct console_spec spec;
static bool parse_spec(const char *value, void *dest, char *err, size_t err_size)
{
	return console_spec_parse(value, dest, err, err_size);
}
KOPT_CUSTOM(spec, "console", "auto|none|comN|io:PORT|mmio:ADDR[,8|32]" "[,BAUD]", parse_spec, "auto",
	    "serial console; auto: the ACPI SPCR port, else every COM port that answers");

static bool started;

/* Adds u if something answers there; `strict`: only a UART that passes the loopback test. */
static bool try_port(struct uart *u, bool strict, char *names, size_t size)
{
	enum uart_presence p = uart_probe(u);
	if (p == UART_ABSENT || (strict && p != UART_PRESENT) || !uart_add(u))
		return false;
	size_t len = strlen(names);
	console_port_name(u, names + len, size - len);
	len = strlen(names);
	if (p == UART_NO_LOOPBACK)
		ksnprintf(names + len, size - len, " [loopback test failed]");
	len = strlen(names);
	ksnprintf(names + len, size - len, ", ");
	return true;
}

static void probe_com_ports(char *names, size_t size)
{
	for (unsigned n = 1; n <= CONSOLE_COM_PORTS; n++) {
		struct uart u = { .reg_bytes = 1, .base = console_com_port(n), .baud = CONSOLE_DEFAULT_BAUD,
				  .clock_hz = UART_CLOCK_HZ };
		try_port(&u, true, names, size);
	}
}

/* The ACPI SPCR port, if the table exists and its port answers; a WARN says why not otherwise. */
static bool spcr_port(const struct acpi *acpi, char *names, size_t size)
{
	const struct acpi_sdt_header *t;
	struct spcr_info info;
	if (!acpi || acpi_find_table(acpi, SPCR_SIGNATURE, 0, &t) != ACPI_OK)
		return false;
	enum acpi_error err = spcr_parse(t, &info);
	if (err != ACPI_OK) {
		kprintf("WARN msg=\"ACPI SPCR unusable (interface type %#x): %s\"\n", info.interface_type,
			acpi_strerror(err));
		return false;
	}
	struct uart u = { .mmio = info.mmio, .reg_bytes = info.reg_bytes, .base = info.base, .baud = info.baud,
			  .clock_hz = info.clock_hz ? info.clock_hz : UART_CLOCK_HZ };
	if (try_port(&u, false, names, size))
		return true;
	console_port_name(&u, names, size);
	kprintf("WARN msg=\"ACPI SPCR names %s but no UART answers there\"\n", names);
	names[0] = '\0';
	return false;
}

/* Chooses the ports; returns why, for the console line. */
static const char *choose(const struct acpi *acpi, bool allow_mmio, char *names, size_t size)
{
	if (spec.mode == CONSOLE_NONE)
		return "as console=none asks";
	if (spec.mode == CONSOLE_PORT) {
		struct uart u = spec.port;
		if (u.mmio && !allow_mmio) {
			kprintf("WARN msg=\"console=mmio: the run ended before MMIO could be mapped\"\n");
		} else if (try_port(&u, false, names, size)) {
			return "as console= asks";
		} else {
			console_port_name(&u, names, size);
			kprintf("WARN msg=\"console=: no UART answers at %s\"\n", names);
			names[0] = '\0';
		}
	} else if (spcr_port(acpi, names, size)) {
		return "from the ACPI SPCR table";
	}
	probe_com_ports(names, size);
	return acpi ? "found by probing COM1..COM4 (no usable console= or ACPI SPCR port)"
		    : "found by probing COM1..COM4";
}

static void start(const struct acpi *acpi, bool allow_mmio)
{
	char names[UART_PORTS_MAX * NAME_MAX_LEN] = "";
	if (started)
		return;
	started = true;
	const char *why = choose(acpi, allow_mmio, names, sizeof(names));
	size_t len = strlen(names);
	if (len >= 2)
		names[len - 2] = '\0'; /* the last ", " */
	uint64_t lost = console_lost_bytes();
	console_replay(uart_putc);
	if (uart_count() == 0 && spec.mode != CONSOLE_NONE)
		kprintf("WARN msg=\"no serial port found: output goes to the framebuffer only\"\n");
	kprintf("console: serial %s %s\n", uart_count() ? names : "none", why);
	if (lost)
		kprintf("WARN msg=\"the first %llu bytes of output came before the serial console and are lost\"\n",
			(unsigned long long)lost);
}

void console_start(const struct acpi *acpi) { start(acpi, true); }

void console_start_early(void) { start(NULL, false); }
