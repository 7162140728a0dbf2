/*
 * Serial Port Console Redirection table (signature "SPCR"): the serial port
 * the firmware (and a BMC's serial-over-LAN) uses for its console.
 * Follows Microsoft's "Serial Port Console Redirection Table" specification
 * (table revisions 1, 2 and 4; field offsets below), its interface types
 * from the "Debug Port Table 2" specification (DBG2, table 3: serial port
 * subtypes), and the ACPI Specification 6.5, 5.2.3.2 Generic Address
 * Structure.
 *
 * Only 16550-family ports are used: interface types 0 (full 16550), 1
 * (16450 subset) and 0x12 (16550-compatible with the register width in the
 * GAS: an access size of dword means 32-bit registers four bytes apart).
 */
#ifndef KERNEL_FIRMWARE_SPCR_H
#define KERNEL_FIRMWARE_SPCR_H

#include <stdbool.h>
#include <stdint.h>

#include "firmware/acpi.h"

#define SPCR_SIGNATURE "SPCR"

struct spcr_table {
	struct acpi_sdt_header sdt;
	uint8_t interface_type;        /* 36: DBG2 serial port subtype */
	uint8_t reserved[3];           /* 37 */
	struct acpi_gas base_address;  /* 40: register 0; zero: redirection disabled */
	uint8_t interrupt_type;        /* 52 */
	uint8_t irq;                   /* 53 */
	uint32_t global_system_interrupt; /* 54 */
	uint8_t configured_baud_rate;  /* 58: SPCR_BAUD_* */
	uint8_t parity;                /* 59: 0 none */
	uint8_t stop_bits;             /* 60: 1 one stop bit */
	uint8_t flow_control;          /* 61 */
	uint8_t terminal_type;         /* 62 */
	uint8_t language;              /* 63 */
	uint16_t pci_device_id;        /* 64 */
	uint16_t pci_vendor_id;        /* 66 */
	uint8_t pci_bus, pci_device, pci_function; /* 68..70 */
	uint32_t pci_flags;            /* 71 */
	uint8_t pci_segment;           /* 75 */
	uint32_t uart_clock_frequency; /* 76: revision 3+, Hz; 0 unknown (reserved before) */
} __attribute__((packed));
_Static_assert(sizeof(struct spcr_table) == 80, "SPCR up to the UART clock is 80 bytes");

/* Revision 4 adds the precise baud rate right after the clock. */
#define SPCR_PRECISE_BAUD_OFFSET 80u

#define SPCR_TYPE_16550 0x00
#define SPCR_TYPE_16450 0x01
#define SPCR_TYPE_16550_GAS 0x12

/* configured_baud_rate codes; 0 means "as is": keep the firmware's setting. */
#define SPCR_BAUD_AS_IS 0
#define SPCR_BAUD_9600 3
#define SPCR_BAUD_19200 4
#define SPCR_BAUD_57600 6
#define SPCR_BAUD_115200 7

struct spcr_info {
	uint8_t interface_type;
	bool mmio;           /* base in system memory, else system I/O */
	uint64_t base;
	uint8_t reg_bytes;   /* 1 or 4 */
	uint32_t baud;       /* 0: as is */
	uint32_t clock_hz;   /* 0: not given */
};

/*
 * Parse a validated SPCR table.
 * Errors: ACPI_ERR_SIGNATURE, ACPI_ERR_TABLE_SHORT (below 80 bytes),
 * ACPI_ERR_ADDRESS_SPACE (base zero: redirection disabled, or neither
 * system memory nor system I/O), ACPI_ERR_UNSUPPORTED (not a 16550-family
 * interface, a register width other than 8 or 32 bits, 32-bit registers
 * on I/O ports, or an unknown baud code).
 */
enum acpi_error spcr_parse(const struct acpi_sdt_header *table, struct spcr_info *out);

#endif
