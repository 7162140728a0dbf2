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

/* Leaves as real CPUs and QEMU return them, and what the ENV line must say. */
static const struct {
	const char *vendor, *hypervisor, *brand; /* hypervisor NULL: bare metal */
	uint32_t signature, power_edx;
	bool intel, invariant_tsc;
	uint32_t family, model;
	const char *want_hypervisor, *want_brand;
} cases[] = {
	{ "AuthenticAMD", "TCGTCGTCGTCG", "QEMU TCG CPU version 2.5+", 0x00000663, 0, false, false, 6, 6,
	  "TCGTCGTCGTCG", "QEMU TCG CPU version 2.5+" },
	/* Intel pads the brand with leading spaces on some parts. */
	{ "GenuineIntel", NULL, "       Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz  ", 0x00050654,
	  CPUID_80000007_EDX_INVARIANT_TSC, true, true, 6, 0x55, "none", "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz" },
	/* Quotes and control characters would break the quoted log value; short signatures end at their padding. */
	{ "GenuineIntel", "KVMKVMKVM", "A \"quoted\"\tCPU\x7f\x80 x", 0x000306c3, 0, true, false, 6, 0x3c,
	  "KVMKVMKVM", "A quotedCPU x" },
};

Test(cpu_ident, real_leaves)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cpu_leaves l = leaves(cases[i].vendor, cases[i].signature, cases[i].hypervisor, cases[i].brand);
		l.power.edx = cases[i].power_edx;
		struct cpu_ident id;
		cpu_ident_decode(&l, &id);
		cr_assert_str_eq(id.vendor, cases[i].vendor, "case %zu", i);
		cr_assert_eq(id.intel, cases[i].intel, "case %zu", i);
		cr_assert_str_eq(id.hypervisor, cases[i].want_hypervisor, "case %zu", i);
		cr_assert_str_eq(id.brand, cases[i].want_brand, "case %zu", i);
		cr_assert_eq(id.family, cases[i].family, "case %zu", i);
		cr_assert_eq(id.model, cases[i].model, "case %zu", i);
		cr_assert_eq(id.invariant_tsc, cases[i].invariant_tsc, "case %zu", i);
	}
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
