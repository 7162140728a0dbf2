/*
 * Trap dispatch and the fatal-exception report.
 * Exception names and error codes: Intel SDM Vol. 3A, 6.15 (exception and
 * interrupt reference); page-fault error code: 4.7.
 */
#include "arch/traps.h"

#include "arch/cpu.h"
#include "arch/idt.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "arch/stacks.h"
#include "lib/panic.h"
#include "verdict.h"

static const char *const exception_names[32] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range exceeded",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[15] = "reserved 15",
	[16] = "#MF x87 floating-point error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating-point",
	[20] = "#VE virtualization exception",
	[21] = "#CP control protection",
	[22] = "reserved 22",
	[23] = "reserved 23",
	[24] = "reserved 24",
	[25] = "reserved 25",
	[26] = "reserved 26",
	[27] = "reserved 27",
	[28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication",
	[30] = "#SX security exception",
	[31] = "reserved 31",
};

#define PF_PRESENT (1u << 0)
#define PF_WRITE (1u << 1)
#define PF_USER (1u << 2)
#define PF_RESERVED_BIT (1u << 3)
#define PF_FETCH (1u << 4)


static const char *trap_name(uint64_t vector)
{
	return vector < 32 ? exception_names[vector] : "unexpected interrupt";
}

static void print_page_fault(uint64_t error)
{
	kprintf("page fault: %s %s%s%s\n", error & PF_PRESENT ? "protection violation" : "page not present",
		error & PF_FETCH ? "on instruction fetch" : error & PF_WRITE ? "on write" : "on read",
		error & PF_USER ? " from user mode" : "",
		error & PF_RESERVED_BIT ? " (reserved bit set in a paging entry)" : "");
}

static void print_registers(const struct trap_frame *f)
{
	kprintf("RIP=%p CS=0x%04lx RFLAGS=0x%08lx RSP=%p SS=0x%04lx\n", (void *)f->rip, f->cs, f->rflags,
		(void *)f->rsp, f->ss);
	kprintf("CR2=%p CR3=%p ERROR_CODE=0x%lx\n", (void *)read_cr2(), (void *)read_cr3(), f->error);
	kprintf("RAX=%p RBX=%p RCX=%p RDX=%p\n", (void *)f->rax, (void *)f->rbx, (void *)f->rcx,
		(void *)f->rdx);
	kprintf("RSI=%p RDI=%p RBP=%p R8 =%p\n", (void *)f->rsi, (void *)f->rdi, (void *)f->rbp,
		(void *)f->r8);
	kprintf("R9 =%p R10=%p R11=%p R12=%p\n", (void *)f->r9, (void *)f->r10, (void *)f->r11,
		(void *)f->r12);
	kprintf("R13=%p R14=%p R15=%p\n", (void *)f->r13, (void *)f->r14, (void *)f->r15);
}

void trap_fatal(const struct trap_frame *f)
{
	panic_enter();
	uint64_t cr2 = read_cr2();
	int guard_cpu = stack_guard_cpu(cr2);
	kprintf("ERROR msg=\"%s\" vector=%lu error=0x%lx rip=%p cr2=%p cpu=%d\n", trap_name(f->vector),
		f->vector, f->error, (void *)f->rip, (void *)cr2, this_cpu_index_or_unknown());
	if (f->vector == IDT_VECTOR_PAGE_FAULT)
		print_page_fault(f->error);
	if (paging_is_stack_guard(cr2))
		kprintf("CR2 is in the guard page below the boot stack: kernel stack overflow\n");
	if (guard_cpu >= 0)
		kprintf("CR2 is in the guard below cpu %d's stack: kernel stack overflow\n", guard_cpu);
	print_registers(f);
	panic_backtrace(f->rip, f->rbp);

	char reason[64];
	ksnprintf(reason, sizeof(reason), "exception %lu %s", f->vector, trap_name(f->vector));
	kernel_exit(false, f->vector < 32 ? reason : "unexpected interrupt");
}

void trap_dispatch(struct trap_frame *frame)
{
	trap_handler_fn handler = idt_handler((unsigned)frame->vector);
	if (handler)
		handler(frame);
	else
		trap_fatal(frame);
}

/* In page 0, which is never mapped (paging.h). */
#define UNMAPPED_ADDRESS 0x8ull

void trap_selftest_pagefault(void)
{
	kprintf("pagefault=1: reading address %p, which is never mapped\n", (void *)UNMAPPED_ADDRESS);
	uint64_t value;
	/* In assembly: the compiler rightly refuses a C read of a constant small address. */
	__asm__ volatile("movq (%1), %0" : "=r"(value) : "r"(UNMAPPED_ADDRESS) : "memory");
	(void)value;
}
