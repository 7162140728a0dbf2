/*
 * printf-style formatting: one formatter (format()) serves string buffers
 * and, through kvformat, the console (lib/kprintf.c). Pure: host tests run
 * it, and host tests of other kernel modules link it for ksnprintf.
 */
#include "lib/printf.h"

#include <stdbool.h>
#include <stdint.h>

#include "lib/string.h"

struct sink {
	void (*put)(struct sink *s, char c);
	char *buf;
	size_t size;
	void (*out)(char c); /* kvformat's destination */
	size_t len;          /* characters produced, including those that did not fit */
};

struct spec {
	bool left;  /* '-' */
	bool zero;  /* '0' */
	bool alt;   /* '#': 0x prefix for %x and %X */
	int width;
	int precision; /* -1: none */
	int length;    /* 0 int, 1 long, 2 long long, 3 size_t, -1 short, -2 char */
};

static void emit(struct sink *s, char c)
{
	s->put(s, c);
	s->len++;
}

static void pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		emit(s, c);
}

static void emit_string(struct sink *s, const struct spec *sp, const char *str)
{
	if (!str)
		str = "(null)";
	int n = 0;
	while (str[n] && (sp->precision < 0 || n < sp->precision))
		n++;
	if (!sp->left)
		pad(s, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		emit(s, str[i]);
	if (sp->left)
		pad(s, ' ', sp->width - n);
}

static void emit_number(struct sink *s, const struct spec *sp, uint64_t v, bool negative,
			unsigned base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);

	int plen = 0;
	while (prefix[plen])
		plen++;
	int total = n + plen + (negative ? 1 : 0);
	if (!sp->left && !sp->zero)
		pad(s, ' ', sp->width - total);
	if (negative)
		emit(s, '-');
	for (int i = 0; i < plen; i++)
		emit(s, prefix[i]);
	if (!sp->left && sp->zero)
		pad(s, '0', sp->width - total);
	while (n)
		emit(s, tmp[--n]);
	if (sp->left)
		pad(s, ' ', sp->width - total);
}

static uint64_t arg_unsigned(va_list *ap, int length)
{
	switch (length) {
	case -2: return (unsigned char)va_arg(*ap, unsigned int);
	case -1: return (unsigned short)va_arg(*ap, unsigned int);
	case 0: return va_arg(*ap, unsigned int);
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	default: return va_arg(*ap, size_t);
	}
}

static int64_t arg_signed(va_list *ap, int length)
{
	switch (length) {
	case -2: return (signed char)va_arg(*ap, int);
	case -1: return (short)va_arg(*ap, int);
	case 0: return va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	default: return (int64_t)va_arg(*ap, size_t);
	}
}

/* Parses flags, width, precision and length after '%'; returns the conversion char. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .precision = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '#')
			sp->alt = true;
		else if (*f != ' ' && *f != '+')
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->precision = 0;
		if (*f == '*') {
			sp->precision = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->precision = sp->precision * 10 + (*f++ - '0');
	}
	static const struct {
		char text[3];
		int length;
	} modifiers[] = { { "hh", -2 }, { "h", -1 }, { "ll", 2 }, { "l", 1 }, { "z", 3 } };
	for (size_t i = 0; i < sizeof(modifiers) / sizeof(modifiers[0]); i++) {
		size_t n = strlen(modifiers[i].text);
		if (strncmp(f, modifiers[i].text, n) == 0) {
			sp->length = modifiers[i].length;
			f += n;
			break;
		}
	}
	return f;
}

static void format(struct sink *s, const char *f, va_list ap0)
{
	va_list ap;
	va_copy(ap, ap0);
	for (; *f; f++) {
		if (*f != '%') {
			emit(s, *f);
			continue;
		}
		struct spec sp;
		f = parse_spec(f + 1, &sp, &ap);
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, sp.length);
			uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
			emit_number(s, &sp, mag, v < 0, 10, false, "");
			break;
		}
		case 'u': emit_number(s, &sp, arg_unsigned(&ap, sp.length), false, 10, false, ""); break;
		case 'x':
		case 'X':
			emit_number(s, &sp, arg_unsigned(&ap, sp.length), false, 16, *f == 'X',
				    sp.alt ? "0x" : "");
			break;
		case 'p': {
			struct spec p = { .zero = true, .width = 18, .precision = -1 };
			emit_number(s, &p, (uint64_t)(uintptr_t)va_arg(ap, void *), false, 16, false, "0x");
			break;
		}
		case 's': emit_string(s, &sp, va_arg(ap, const char *)); break;
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };
			sp.precision = 1;
			emit_string(s, &sp, c);
			break;
		}
		case '%': emit(s, '%'); break;
		case '\0': f--; break; /* a lone '%' at the end */
		default:
			emit(s, '%');
			emit(s, *f);
		}
	}
	va_end(ap);
}

static void buffer_put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .put = buffer_put, .buf = buf, .size = size };
	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void callback_put(struct sink *s, char c)
{
	s->out(c);
}

int kvformat(void (*out)(char c), const char *fmt, va_list ap)
{
	struct sink s = { .put = callback_put, .out = out };
	format(&s, fmt, ap);
	return (int)s.len;
}
