/* kprintf caught in a buffer (see kprintf_capture.h). */
#include "kprintf_capture.h"

#include <criterion/criterion.h>
#include <stdarg.h>

#include "lib/printf.h"

char kprintf_text[KPRINTF_CAPTURE_MAX];
size_t kprintf_len;

void kprintf_clear(void)
{
	kprintf_len = 0;
	kprintf_text[0] = '\0';
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(kprintf_text + kprintf_len, sizeof(kprintf_text) - kprintf_len, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < sizeof(kprintf_text) - kprintf_len, "kprintf capture buffer full");
	kprintf_len += (size_t)n;
	return n;
}
