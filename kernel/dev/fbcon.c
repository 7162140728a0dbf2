/* Framebuffer console: not implemented yet (see fbcon.h). */
#include "dev/fbcon.h"

bool fbcon_init(const struct boot_framebuffer *fb)
{
	(void)fb;
	return false;
}

void fbcon_putc(char c) { (void)c; }
