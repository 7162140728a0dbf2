; Interrupt and exception entry stubs, one per vector (0..255).
;
; Intel SDM Vol. 3A, 6.14.2 (64-bit interrupt stack frame): the CPU pushes
; SS, RSP, RFLAGS, CS, RIP, and for vectors 8, 10-14, 17, 21, 29 and 30 an
; error code. Each stub pushes 0 where the CPU pushed none, then its vector,
; so every frame has one layout (struct trap_frame, kernel/arch/traps.h).
; The CPU aligns RSP to 16 before pushing, so after the 15 registers below
; RSP is 16-aligned again at the call, as the SysV ABI requires.

bits 64
default rel

extern trap_dispatch
global isr_stubs

section .text

%macro ISR_STUB 1
isr_stub_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign v 0
%rep 256
	ISR_STUB v
%assign v v + 1
%endrep

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                     ; vector and error code
	iretq

section .rodata
align 8
; Entry addresses, indexed by vector (read by idt_init()).
%macro STUB_ADDRESS 1
	dq isr_stub_%1
%endmacro
isr_stubs:
%assign v 0
%rep 256
	STUB_ADDRESS v
%assign v v + 1
%endrep
