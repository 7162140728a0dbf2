/*
 * 8254 PIT channel 2, mode 0, gated by port 0x61 bit 0, output read from
 * port 0x61 bit 5 (8254 datasheet; PC/AT port B).
 */
#include "dev/pit.h"

#include "arch/cpu.h"

#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define PC_PORT_B 0x61

#define PIT_CMD_CHANNEL2 (2u << 6)
#define PIT_CMD_LOHI (3u << 4)
#define PIT_CMD_MODE0 (0u << 1)
#define PORT_B_GATE2 (1u << 0)
#define PORT_B_SPEAKER (1u << 1)
#define PORT_B_OUT2 (1u << 5)

void pit_oneshot_start(uint16_t ticks)
{
	/* Gate low while programming, speaker off. */
	uint8_t b = inb(PC_PORT_B) & (uint8_t)~(PORT_B_GATE2 | PORT_B_SPEAKER);
	outb(PC_PORT_B, b);
	outb(PIT_COMMAND, PIT_CMD_CHANNEL2 | PIT_CMD_LOHI | PIT_CMD_MODE0);
	outb(PIT_CHANNEL2, (uint8_t)(ticks & 0xFF));
	outb(PIT_CHANNEL2, (uint8_t)(ticks >> 8));
	/* Rising gate starts the count in mode 0; OUT2 goes high at zero. */
	outb(PC_PORT_B, b | PORT_B_GATE2);
}

bool pit_oneshot_done(void)
{
	return (inb(PC_PORT_B) & PORT_B_OUT2) != 0;
}
