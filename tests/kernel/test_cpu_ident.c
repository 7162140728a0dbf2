/*
 * bench/cpu_ident.c on the host: the kernel's ENV line and the host
 * program's read the CPU through it. Decoding of the leaves real CPUs and
 * QEMU return (vendor, family/model with extended fields, hypervisor
 * signature, brand string cleaned for a quoted log value, invariant TSC),
 * and one reading of this machine's CPU against /proc/cpuinfo.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cpu_ident.h"

/* Registers holding `text` as CPUID stores strings: 4 bytes each, little-endian. */
static void pack(const char *text, uint32_t *words, int count)
{
	char buf[64] = { 0 };
	memcpy(buf, text, strlen(text));
	memcpy(words, buf, (size_t)count * 4);
}

static struct cpu_leaves leaves(const char *vendor, uint32_t sig, const char *hypervisor, const char *brand)
{
	struct cpu_leaves l = { 0 };
	uint32_t v[3];
	pack(vendor, v, 3);
	l.vendor = (struct cpuid_regs){ 0xd, v[0], v[2], v[1] }; /* EBX, EDX, ECX order */
	l.features.eax = sig;
	if (hypervisor) {
		uint32_t h[3];
		pack(hypervisor, h, 3);
		l.features.ecx = CPUID_1_ECX_HYPERVISOR;
		l.hypervisor = (struct cpuid_regs){ 0x40000001, h[0], h[1], h[2] };
	}
	if (brand) {
		uint32_t b[12];
		pack(brand, b, 12);
		l.ext_max = CPUID_EXT_POWER;
		for (int i = 0; i < 3; i++)
			l.brand[i] = (struct cpuid_regs){ b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3] };
	}
	return l;
}

Test(cpu_ident, qemu_tcg)
{
	struct cpu_leaves l = leaves("AuthenticAMD", 0x00000663, "TCGTCGTCGTCG", "QEMU TCG CPU version 2.5+");
	struct cpu_ident id;
	cpu_ident_decode(&l, &id);
	cr_assert_str_eq(id.vendor, "AuthenticAMD");
	cr_assert_not(id.intel);
	cr_assert_str_eq(id.hypervisor, "TCGTCGTCGTCG");
	cr_assert_str_eq(id.brand, "QEMU TCG CPU version 2.5+");
	cr_assert_eq(id.family, 6);
	cr_assert_eq(id.model, 6);
	cr_assert_not(id.invariant_tsc);
}

Test(cpu_ident, intel_bare_metal_brand_trimmed)
{
	/* Intel pads the brand with leading spaces on some parts. */
	struct cpu_leaves l = leaves("GenuineIntel", 0x00050654, NULL,
				     "       Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz  ");
	l.power.edx = CPUID_80000007_EDX_INVARIANT_TSC;
	struct cpu_ident id;
	cpu_ident_decode(&l, &id);
	cr_assert(id.intel);
	cr_assert_str_eq(id.hypervisor, "none");
	cr_assert_str_eq(id.brand, "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz");
	cr_assert_eq(id.family, 6);
	cr_assert_eq(id.model, 0x55);
	cr_assert(id.invariant_tsc);
}

Test(cpu_ident, brand_quotes_and_control_characters_dropped)
{
	struct cpu_leaves l = leaves("GenuineIntel", 0x000306c3, "KVMKVMKVM", "A \"quoted\"\tCPU\x7f\x80 x");
	struct cpu_ident id;
	cpu_ident_decode(&l, &id);
	cr_assert_str_eq(id.brand, "A quotedCPU x");
	cr_assert_str_eq(id.hypervisor, "KVMKVMKVM", "short signatures end at their padding");
	cr_assert_eq(id.model, 0x3c);
}

Test(cpu_ident, missing_leaves)
{
	struct cpu_leaves l = leaves("GenuineIntel", 0x00000663, "\"\"\"", NULL);
	l.power.edx = CPUID_80000007_EDX_INVARIANT_TSC; /* beyond ext_max: not read */
	struct cpu_ident id;
	cpu_ident_decode(&l, &id);
	cr_assert_str_eq(id.brand, "unknown");
	cr_assert_str_eq(id.hypervisor, "unknown", "a signature without a printable first byte");
	cr_assert_not(id.invariant_tsc);
	l = leaves("GenuineIntel", 0x00000663, NULL, "    ");
	cpu_ident_decode(&l, &id);
	cr_assert_str_eq(id.brand, "unknown");
}

Test(cpu_ident, family_and_model_with_extended_fields)
{
	uint32_t family, model;
	cpu_family_model(0x00050654, &family, &model); /* Xeon Gold 6130 */
	cr_assert_eq(family, 6);
	cr_assert_eq(model, 0x55);
	cpu_family_model(0x000306c3, &family, &model); /* Haswell */
	cr_assert_eq(model, 0x3c);
	cpu_family_model(0x00830f10, &family, &model); /* AMD Zen 2 */
	cr_assert_eq(family, 0x17);
	cr_assert_eq(model, 0x31);
	cpu_family_model(0x00000663, &family, &model); /* QEMU qemu64 */
	cr_assert_eq(family, 6);
	cr_assert_eq(model, 6);
}

/* This machine: the brand Linux shows as "model name" (Linux trims it the same way). */
Test(cpu_ident, this_cpu_as_linux_names_it)
{
	struct cpu_ident id;
	cpu_ident_read(&id);
	FILE *f = fopen("/proc/cpuinfo", "r");
	cr_assert_not_null(f);
	char line[512], name[256] = "";
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "model name : %255[^\n]", name) == 1)
			break;
	fclose(f);
	cr_assert_str_eq(id.brand, name);
	cr_assert(strlen(id.vendor) == 12);
}
