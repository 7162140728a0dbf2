/*
 * GDT and TSS setup (Intel SDM Vol. 3A, 3.4.5, 7.2.3, 7.7).
 */
#include "arch/gdt.h"

#include <stdint.h>

#include "arch/cpu.h"
#include "lib/panic.h"

#define IST_STACK_SIZE 8192

struct __attribute__((packed)) tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes (SDM 3A, 7.7)");

/* Segment descriptor fields (SDM 3A, 3.4.5). */
#define SEG_ACCESSED (1ull << 40)
#define SEG_RW (1ull << 41)
#define SEG_CODE (1ull << 43)
#define SEG_S_CODE_DATA (1ull << 44)
#define SEG_PRESENT (1ull << 47)
#define SEG_LONG (1ull << 53)
#define SEG_GRANULARITY_4K (1ull << 55)
#define SEG_DB_32 (1ull << 54)
#define SEG_LIMIT_MAX (0xffffull | (0xfull << 48))
#define TSS_TYPE_AVAILABLE (0x9ull << 40)

#define GDT_FIXED 3
#define GDT_ENTRIES (GDT_FIXED + 2 * CPU_MAX)
_Static_assert(GDT_ENTRIES * 8 <= 65536, "GDT limit is 16 bits");

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss tss[CPU_MAX] __attribute__((aligned(16)));
static uint8_t ist_stacks[CPU_MAX][IST_STACK_SIZE] __attribute__((aligned(16)));
static uint8_t mc_stacks[CPU_MAX][IST_STACK_SIZE] __attribute__((aligned(16)));

/* 16-byte system descriptor for a 64-bit TSS (SDM 3A, 7.2.3). */
static void set_tss_descriptor(unsigned index, const struct tss *t)
{
	uint64_t base = (uint64_t)t;
	uint64_t limit = sizeof(*t) - 1;
	gdt[index] = (limit & 0xffff) | ((base & 0xffffff) << 16) | TSS_TYPE_AVAILABLE | SEG_PRESENT |
		     (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[index + 1] = base >> 32;
}

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[GDT_KERNEL_CODE / 8] = SEG_LIMIT_MAX | SEG_ACCESSED | SEG_RW | SEG_CODE | SEG_S_CODE_DATA |
				   SEG_PRESENT | SEG_LONG | SEG_GRANULARITY_4K;
	gdt[GDT_KERNEL_DATA / 8] = SEG_LIMIT_MAX | SEG_ACCESSED | SEG_RW | SEG_S_CODE_DATA | SEG_PRESENT |
				   SEG_DB_32 | SEG_GRANULARITY_4K;
	for (unsigned cpu = 0; cpu < CPU_MAX; cpu++) {
		tss[cpu].ist[IST_DOUBLE_FAULT - 1] = (uint64_t)&ist_stacks[cpu][IST_STACK_SIZE];
		tss[cpu].ist[IST_MACHINE_CHECK - 1] = (uint64_t)&mc_stacks[cpu][IST_STACK_SIZE];
		tss[cpu].iomap_base = sizeof(struct tss); /* no I/O permission bitmap */
		set_tss_descriptor(GDT_FIXED + 2 * cpu, &tss[cpu]);
	}
}

void gdt_load_this_cpu(unsigned cpu)
{
	if (cpu >= CPU_MAX)
		panic("gdt_load_this_cpu: cpu index %u >= CPU_MAX %u", cpu, CPU_MAX);
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };
	uint16_t tss_selector = (uint16_t)(GDT_TSS_FIRST + 16 * cpu);

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "movw %w3, %%fs\n\t"
			 "movw %w3, %%gs\n\t"
			 "ltr %w4"
			 :
			 : "m"(gdtr), "i"(GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA), "r"(0), "r"(tss_selector)
			 : "rax", "memory");
}
