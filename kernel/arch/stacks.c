/*
 * AP stacks with guard regions (see stacks.h). Linux maps its kernel stacks
 * in vmalloc space with guard pages for the same reason (CONFIG_VMAP_STACK);
 * seL4 and memtest86+ use static stacks without guards.
 */
#include "arch/stacks.h"

#include "arch/cpu.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "cmdline.h"
#include "lib/panic.h"
#include "lib/run_cores.h"
#include "llfree.h"
#include "mm/frames.h"
#include "verdict.h"

#define STACKS_BASE (KERNEL_VMA - (1ull << 30))
#define STACK_BYTES (PAGE_SIZE << STACK_ORDER)
#define GUARD_BYTES (STACK_SLOT_BYTES - STACK_BYTES)
_Static_assert(CPU_MAX * STACK_SLOT_BYTES <= (1ull << 30), "the stacks' region is the GiB below the image");
_Static_assert(GUARD_BYTES >= PAGE_SIZE, "at least one guard page");

static uint64_t opt_overflow_cpu;
KOPT_UINT(opt_overflow_cpu, "overflow_cpu", "0",
	  "self-test: CPU N (1..) overflows its stack; the guard must turn it into a report naming it (the run fails)");
static bool opt_overflow_in_panic;
KOPT_BOOL(opt_overflow_in_panic, "overflow_in_panic", "0",
	  "with overflow_cpu=N: CPU N is panicking when it overflows (a nested panic on another stack: "
	  "the report must still end in a verdict)");

static uint64_t stack_base(unsigned index)
{
	return STACKS_BASE + index * STACK_SLOT_BYTES + GUARD_BYTES;
}

bool stack_alloc(unsigned index, struct ap_stack *out)
{
	if (index >= CPU_MAX || !frames_get(STACK_ORDER, LLFREE_KIND_IMMOVABLE, &out->phys))
		return false;
	paging_map_at(stack_base(index), out->phys, STACK_BYTES);
	out->top = stack_base(index) + STACK_BYTES;
	return true;
}

void stack_free(unsigned index, const struct ap_stack *s)
{
	paging_unmap_at(stack_base(index), STACK_BYTES);
	frames_put(s->phys, STACK_ORDER, LLFREE_KIND_IMMOVABLE);
}

int stack_guard_cpu(uint64_t va)
{
	if (va < STACKS_BASE || va >= STACKS_BASE + CPU_MAX * STACK_SLOT_BYTES)
		return -1;
	uint64_t off = (va - STACKS_BASE) % STACK_SLOT_BYTES;
	return off < GUARD_BYTES ? (int)((va - STACKS_BASE) / STACK_SLOT_BYTES) : -1;
}

/* Far deeper than any stack: the recursion ends at the guard, never here. */
static volatile uint64_t recurse_limit = UINT64_MAX;

/* Each frame keeps a page of its own: no tail call, nothing for the compiler to fold. */
static __attribute__((noinline)) uint64_t recurse(uint64_t depth)
{
	volatile uint8_t frame[PAGE_SIZE];
	frame[0] = (uint8_t)depth;
	frame[PAGE_SIZE - 1] = (uint8_t)depth;
	if (depth == recurse_limit)
		return 0;
	return recurse(depth + 1) + frame[0] + frame[PAGE_SIZE - 1];
}

static void overflow_job(unsigned core, void *arg)
{
	(void)arg;
	if (core != opt_overflow_cpu)
		return;
	if (opt_overflow_in_panic) {
		panic_enter(); /* the double fault's report is then a nested panic, on the IST stack */
		kprintf("overflow_in_panic: cpu %u panicking, now overflowing its stack\n", core);
	}
	recurse(0);
}

void stack_selftest(void)
{
	if (opt_overflow_cpu == 0)
		return;
	if (opt_overflow_cpu >= percpu_count()) {
		kprintf("ERROR msg=\"overflow_cpu=%llu: only CPUs 1..%u can run the self-test (%u online)\"\n",
			(unsigned long long)opt_overflow_cpu, percpu_count() - 1, percpu_count());
		kernel_exit(false, "overflow_cpu out of range");
	}
	run_cores(percpu_count(), overflow_job, NULL);
	panic("overflow_cpu=%llu: the stack overflow was not caught", (unsigned long long)opt_overflow_cpu);
}
