/* CPU identification from CPUID (see cpu_ident.h). */
#include "cpu_ident.h"

#include <stddef.h>

/* Byte i of little-endian registers: CPUID strings are stored that way. */
static char byte_of(const uint32_t *words, int i)
{
	return (char)(words[i / 4] >> (8 * (i % 4)));
}

/* A signature as a log value: the first unprintable byte, space or quote ends it. */
static const char *hypervisor_name(const struct cpu_leaves *l, char out[13])
{
	if (!(l->features.ecx & CPUID_1_ECX_HYPERVISOR))
		return "none";
	uint32_t words[3] = { l->hypervisor.ebx, l->hypervisor.ecx, l->hypervisor.edx };
	for (int i = 0; i < 12; i++) {
		char ch = byte_of(words, i);
		out[i] = (ch > ' ' && ch < 127 && ch != '"') ? ch : 0;
	}
	out[12] = 0;
	return out[0] ? out : "unknown";
}

/* The brand string as a quoted log value: no quotes or control characters, trimmed. */
static const char *brand_name(const struct cpu_leaves *l, char out[49])
{
	if (l->ext_max < CPUID_EXT_BRAND + 2)
		return "unknown";
	uint32_t words[12];
	for (int i = 0; i < 3; i++) {
		words[4 * i] = l->brand[i].eax;
		words[4 * i + 1] = l->brand[i].ebx;
		words[4 * i + 2] = l->brand[i].ecx;
		words[4 * i + 3] = l->brand[i].edx;
	}
	int n = 0;
	for (int i = 0; i < 48 && byte_of(words, i); i++) {
		char ch = byte_of(words, i);
		if ((n == 0 && ch == ' ') || ch == '"' || ch < ' ' || ch > '~')
			continue;
		out[n++] = ch;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = 0;
	return n ? out : "unknown";
}

static void copy(char *dst, const char *src, size_t cap)
{
	size_t i = 0;
	for (; i + 1 < cap && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

void cpu_family_model(uint32_t eax, uint32_t *family, uint32_t *model)
{
	uint32_t fam = (eax >> 8) & 0xf, mod = (eax >> 4) & 0xf;
	if (fam == 0xf)
		fam += (eax >> 20) & 0xff;
	if (fam == 6 || fam >= 0xf)
		mod |= ((eax >> 16) & 0xf) << 4;
	*family = fam;
	*model = mod;
}

void cpu_ident_decode(const struct cpu_leaves *l, struct cpu_ident *out)
{
	char buf[49];
	uint32_t vendor[3] = { l->vendor.ebx, l->vendor.edx, l->vendor.ecx };
	for (int i = 0; i < 12; i++)
		out->vendor[i] = byte_of(vendor, i);
	out->vendor[12] = 0;
	out->intel = vendor[0] == 0x756e6547u && vendor[1] == 0x49656e69u && vendor[2] == 0x6c65746eu; /* GenuineIntel */
	cpu_family_model(l->features.eax, &out->family, &out->model);
	copy(out->hypervisor, hypervisor_name(l, buf), sizeof(out->hypervisor));
	copy(out->brand, brand_name(l, buf), sizeof(out->brand));
	out->invariant_tsc = l->ext_max >= CPUID_EXT_POWER && (l->power.edx & CPUID_80000007_EDX_INVARIANT_TSC);
}

void cpu_ident_read(struct cpu_ident *out)
{
	struct cpu_leaves l = { .vendor = cpuid(0, 0), .features = cpuid(1, 0), .ext_max = cpuid(CPUID_EXT_BASE, 0).eax };
	if (l.features.ecx & CPUID_1_ECX_HYPERVISOR)
		l.hypervisor = cpuid(CPUID_HYPERVISOR_BASE, 0);
	if (l.ext_max >= CPUID_EXT_BRAND + 2)
		for (uint32_t i = 0; i < 3; i++)
			l.brand[i] = cpuid(CPUID_EXT_BRAND + i, 0);
	if (l.ext_max >= CPUID_EXT_POWER)
		l.power = cpuid(CPUID_EXT_POWER, 0);
	cpu_ident_decode(&l, out);
}
