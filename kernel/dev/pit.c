/*
 * 8254 PIT channel 2 (8254 datasheet: control word, mode 2, counter latch;
 * PC/AT port B 0x61 bit 0 gates channel 2, bit 1 drives the speaker).
 */
#include "dev/pit.h"

#include "arch/cpu.h"

#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define PC_PORT_B 0x61

#define PIT_CMD_CHANNEL2 (2u << 6)
#define PIT_CMD_LATCH (0u << 4)
#define PIT_CMD_LOHI (3u << 4)
#define PIT_CMD_MODE2 (2u << 1)
#define PORT_B_GATE2 (1u << 0)
#define PORT_B_SPEAKER (1u << 1)

void pit_counter_start(void)
{
	/* Gate high, speaker off; a reload value of 0 means 0x10000. */
	outb(PC_PORT_B, (uint8_t)((inb(PC_PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_COMMAND, PIT_CMD_CHANNEL2 | PIT_CMD_LOHI | PIT_CMD_MODE2);
	outb(PIT_CHANNEL2, 0);
	outb(PIT_CHANNEL2, 0);
}

uint64_t pit_counter_read(void)
{
	outb(PIT_COMMAND, PIT_CMD_CHANNEL2 | PIT_CMD_LATCH);
	uint16_t lo = inb(PIT_CHANNEL2);
	uint16_t hi = inb(PIT_CHANNEL2);
	uint16_t count = (uint16_t)(lo | hi << 8);
	return (uint16_t)~count; /* counts down: invert to count up */
}
