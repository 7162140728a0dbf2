/*
 * Per-CPU data: the BSP's static block, the dense-index table, GS base.
 * Intel SDM Vol. 3A, 3.4.4 (segment bases in 64-bit mode), Vol. 4 (MSR
 * C000_0101H IA32_GS_BASE).
 */
#include "arch/percpu.h"

#include "arch/cpu.h"

static struct percpu table[CPU_MAX];
static struct percpu *cpus[CPU_MAX];
static _Atomic unsigned cpu_count;

/* Every struct percpu lives in the kernel image or the direct map, both in the upper half. */
#define KERNEL_HALF 0xffff800000000000ull

int this_cpu_index_or_unknown(void)
{
	if (read_gs_base() < KERNEL_HALF)
		return -1;
	return (int)this_cpu()->index;
}

void percpu_load(struct percpu *cpu)
{
	cpu->self = cpu;
	write_gs_base((uint64_t)(uintptr_t)cpu);
}

struct percpu *percpu_prepare(unsigned index)
{
	struct percpu *cpu = &table[index];
	__builtin_memset(cpu, 0, sizeof(*cpu));
	cpu->self = cpu;
	cpu->index = index;
	return cpu;
}

void percpu_init_bsp(void)
{
	struct percpu *bsp = percpu_prepare(0);
	atomic_store(&bsp->state, CPU_ONLINE);
	percpu_load(bsp);
	cpus[0] = bsp;
	atomic_store(&cpu_count, 1);
}

void percpu_register(struct percpu *cpu)
{
	cpus[cpu->index] = cpu;
	/* Indices are handed out in order by the BSP, so the count is index + 1. */
	atomic_store_explicit(&cpu_count, cpu->index + 1, memory_order_release);
}

struct percpu *percpu_get(unsigned index)
{
	return index < CPU_MAX ? cpus[index] : NULL;
}

unsigned percpu_count(void)
{
	return atomic_load_explicit(&cpu_count, memory_order_acquire);
}
