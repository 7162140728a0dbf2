/*
 * IDT setup (Intel SDM Vol. 3A, 6.10, 6.14.1).
 */
#include "arch/idt.h"

#include "arch/gdt.h"
#include "lib/panic.h"

struct __attribute__((packed)) idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;  /* bits 0-2 */
	uint8_t attr; /* P, DPL, type */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes (SDM 3A, 6.14.1)");

#define GATE_PRESENT 0x80
#define GATE_TYPE_INTERRUPT 0x0e /* IF cleared on entry */


extern const uint64_t isr_stubs[IDT_VECTORS]; /* boot/isr.asm */

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
static trap_handler_fn handlers[IDT_VECTORS];
static trap_handler_fn default_handler;

void idt_init(void)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		uint64_t entry = isr_stubs[v];
		uint8_t ist = v == IDT_VECTOR_DOUBLE_FAULT ? IST_DOUBLE_FAULT : v == IDT_VECTOR_MACHINE_CHECK ? IST_MACHINE_CHECK : 0;
		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)entry,
			.selector = GDT_KERNEL_CODE,
			.ist = ist,
			.attr = GATE_PRESENT | GATE_TYPE_INTERRUPT,
			.offset_mid = (uint16_t)(entry >> 16),
			.offset_high = (uint32_t)(entry >> 32),
		};
	}
}

void idt_load_this_cpu(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

void idt_set_handler(unsigned vector, trap_handler_fn handler)
{
	if (vector >= IDT_VECTORS)
		panic("idt_set_handler: vector %u out of range", vector);
	__atomic_store_n(&handlers[vector], handler, __ATOMIC_RELEASE);
}

void idt_set_default_handler(trap_handler_fn handler)
{
	__atomic_store_n(&default_handler, handler, __ATOMIC_RELEASE);
}

trap_handler_fn idt_handler(unsigned vector)
{
	if (vector >= IDT_VECTORS)
		return NULL;
	trap_handler_fn h = __atomic_load_n(&handlers[vector], __ATOMIC_ACQUIRE);
	if (!h && vector >= IDT_FIRST_FREE_VECTOR)
		h = __atomic_load_n(&default_handler, __ATOMIC_ACQUIRE);
	return h;
}
