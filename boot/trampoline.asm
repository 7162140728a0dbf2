; AP start-up trampoline: 16-bit real mode straight to 64-bit long mode.
;
; Intel SDM Vol. 3A (2023+ numbering; older editions number chapters 8-10
; one lower): 9.4.4 (MP initialisation, the AP starts in real mode at
; CS:IP = VV00:0000 for SIPI vector VV), 10.8.5 (initialising IA-32e mode:
; CR4.PAE, CR3, EFER.LME, then CR0.PG), 3.4.5 (segment descriptors).
; The SDM enters IA-32e mode from protected mode; setting PE and PG in one
; CR0 write from real mode goes there directly and works on Intel, AMD and
; QEMU (no 32-bit stage, so no second GDT and no relocation).
;
; This blob is position independent: kernel/arch/smp.c copies
; trampoline_start .. trampoline_end to a free page below 1 MiB (page-aligned,
; so the SIPI vector is its page number), fills the mailbox at its end and
; sends INIT-SIPI-SIPI. Everything it touches is addressed relative to the
; page, which the kernel keeps identity-mapped in the page table it hands over.
;
; Mailbox (struct trampoline_mailbox in kernel/arch/smp.h, same offsets):
;   +0  cr3    u32  top-level page table, physical, below 4 GiB
;   +4  cr4    u32  CR4 bits valid before paging (PAE set; the C entry sets the rest)
;   +8  cr0    u32  CR0 to load whole (PE and PG set)
;   +12 efer   u32  EFER low half (LME set; NXE as the BSP has it)
;   +16 stack  u64  initial RSP (virtual, 16-byte aligned)
;   +24 entry  u64  void entry(struct percpu *) (virtual, never returns)
;   +32 gs     u64  GS base, also passed in RDI (the CPU's struct percpu)
; One AP reads the mailbox at a time: the BSP rewrites it only after the AP
; it started has reported itself online from C (or was sent INIT again).

bits 16
section .rodata
align 16

%include "x86.inc"

%define OFF(label) ((label) - trampoline_start)

global trampoline_start
global trampoline_end
global trampoline_mailbox

; Machine state on entry: real mode, CS = page >> 4, IP = 0, interrupts
; disabled (an AP leaves wait-for-SIPI with IF = 0), no stack.
trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4                      ; EBX = physical base of this page

	; The GDT pointer and the far jump need linear addresses: patch them.
	lea eax, [ebx + OFF(tramp_gdt)]
	mov [OFF(tramp_gdtr) + 2], eax
	lea eax, [ebx + OFF(tramp_long)]
	mov [OFF(tramp_far)], eax
	o32 lgdt [OFF(tramp_gdtr)]

	; SDM 10.8.5 order: PAE, then CR3, then EFER.LME, then PE|PG in one CR0 write.
	mov eax, [OFF(trampoline_mailbox) + 4]
	mov cr4, eax
	mov eax, [OFF(trampoline_mailbox) + 0]
	mov cr3, eax
	mov ecx, MSR_EFER
	mov eax, [OFF(trampoline_mailbox) + 12]
	xor edx, edx
	wrmsr
	mov eax, [OFF(trampoline_mailbox) + 8]
	mov cr0, eax
	; Now in compatibility mode with a 16-bit CS: jump to the 64-bit code segment.
	jmp dword far [OFF(tramp_far)]

bits 64
; Machine state: 64-bit mode, CS = GDT_CODE64 of the trampoline GDT, paging
; with the kernel's CR3, EBX = this page's physical (= identity) address.
tramp_long:
	LOAD_DATA_SEGMENTS
	mov ebx, ebx                    ; upper half of RBX is undefined after the switch
	mov ecx, MSR_GS_BASE
	mov eax, [rbx + OFF(trampoline_mailbox) + 32]
	mov edx, [rbx + OFF(trampoline_mailbox) + 36]
	wrmsr
	mov rsp, [rbx + OFF(trampoline_mailbox) + 16]
	mov rdi, [rbx + OFF(trampoline_mailbox) + 32]
	mov rax, [rbx + OFF(trampoline_mailbox) + 24]
	xor ebp, ebp                    ; ends frame-pointer backtraces
	push rbp                        ; fake return address keeps the ABI's stack alignment
	jmp rax

align 8
tramp_gdt:
	FLAT_GDT
tramp_gdt_end:

align 8
tramp_gdtr:
	dw tramp_gdt_end - tramp_gdt - 1
	dd 0                            ; patched: linear address of tramp_gdt
	dw 0

align 8
tramp_far:
	dd 0                            ; patched: linear address of tramp_long
	dw GDT_CODE64

align 8
trampoline_mailbox:
	times 40 db 0
trampoline_end:
