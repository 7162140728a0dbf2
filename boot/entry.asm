; 32-bit entries (multiboot2 and PVH) and the switch to long mode.
;
; Intel SDM Vol. 3A, 9.8.5 (initializing IA-32e mode): PAE on, CR3 loaded,
; EFER.LME set, then CR0.PG; a far jump into a 64-bit code segment.
; CR0, CR4 and EFER are written as whole values, never OR-ed into what the
; firmware left (on UEFI, EFER.NXE and extra CR0/CR4 bits are already set;
; shared/design/kernel.md, Boot).
;
; This file runs from the low, identity-placed .boot sections (virtual =
; physical); the kernel proper is linked at KERNEL_VMA (linker.ld).
;
; Boot page tables (replaced by paging_init() in C):
;   PML4[0]   -> identity map of 0..4 GiB, 2 MiB pages (this code runs there);
;                0..2 MiB and 2..4 GiB uncached (boot_tables_uncached)
;   PML4[256] -> the same 0..4 GiB at DIRECT_MAP_BASE (C reads boot info)
;   PML4[511] -> PDPT[510..511]: 0..2 GiB at KERNEL_VMA (the kernel image)

bits 32

CR0_PE   equ 1 << 0
CR0_MP   equ 1 << 1
CR0_ET   equ 1 << 4
CR0_NE   equ 1 << 5
CR0_WP   equ 1 << 16
CR0_PG   equ 1 << 31
CR4_PAE  equ 1 << 5
CR4_MCE  equ 1 << 6        ; machine checks (every x86-64 CPU has them): clear, one shuts the machine down
CR4_PGE  equ 1 << 7
MSR_EFER equ 0xc0000080
EFER_LME equ 1 << 8
EFER_NXE equ 1 << 11

CPUID_EXT_MAX      equ 0x80000000
CPUID_EXT_FEATURES equ 0x80000001
CPUID_EXT_EDX_NX   equ 1 << 20
CPUID_EXT_EDX_LM   equ 1 << 29
EFLAGS_ID          equ 1 << 21
CPUID_1_ECX_HYPERVISOR equ 1 << 31

PTE_P    equ 1 << 0
PTE_RW   equ 1 << 1
PTE_PWT  equ 1 << 3
PTE_PCD  equ 1 << 4
PTE_PS   equ 1 << 7
PAGE_2M  equ 0x200000

GDT_CODE64 equ 0x08
GDT_DATA   equ 0x10

; Must match kernel/firmware/pvh.h (BOOT_MAGIC_PVH) and kernel/dev/debug_exit.h.
BOOT_MAGIC_PVH  equ 0x336ec578
DEBUG_EXIT_PORT equ 0xf4
DEBUG_EXIT_FAIL equ 0x11

COM1     equ 0x3f8

global mb2_entry
global pvh_entry
extern kmain

section .boot.text progbits alloc exec nowrite align=16

; GRUB, BIOS or UEFI. State (Multiboot2 spec 3.3): EAX = 0x36d76289,
; EBX = physical address of the boot information, 32-bit protected mode,
; paging off, flat CS/DS/ES/SS, interrupts off, ESP undefined.
mb2_entry:
	cli
	cld
	mov [boot_magic], eax
	mov [boot_info_phys], ebx
	jmp start32

; qemu -kernel / Xen PVH. State (PVH ABI): 32-bit protected mode, paging
; off, flat CS/DS/ES/SS, interrupts off, EBX = physical address of the
; hvm_start_info, ESP undefined.
pvh_entry:
	cli
	cld
	mov dword [boot_magic], BOOT_MAGIC_PVH
	mov [boot_info_phys], ebx

start32:
	mov esp, boot_stack_top
	call check_long_mode
	call build_boot_tables

	mov eax, CR4_PAE | CR4_MCE | CR4_PGE
	mov cr4, eax
	mov eax, boot_pml4
	mov cr3, eax

	mov eax, EFER_LME
	cmp dword [boot_has_nx], 0
	je .no_nx
	or eax, EFER_NXE
.no_nx:
	xor edx, edx
	mov ecx, MSR_EFER
	wrmsr

	mov eax, CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG
	mov cr0, eax

	lgdt [boot_gdtr]
	jmp GDT_CODE64:long_mode_entry

; CPUID present (EFLAGS.ID toggles), extended leaf 80000001h present, and
; its EDX[29] (Intel 64 / long mode). Records EDX[20] (NX) for EFER.NXE.
check_long_mode:
	pushfd
	pop eax
	mov ecx, eax
	xor eax, EFLAGS_ID
	push eax
	popfd
	pushfd
	pop eax
	push ecx
	popfd
	xor eax, ecx
	jz .absent
	mov dword [boot_has_cpuid], 1
	mov eax, CPUID_EXT_MAX
	cpuid
	cmp eax, CPUID_EXT_FEATURES
	jb .absent
	mov eax, CPUID_EXT_FEATURES
	cpuid
	test edx, CPUID_EXT_EDX_LM
	jz .absent
	and edx, CPUID_EXT_EDX_NX
	mov [boot_has_nx], edx
	ret
.absent:
	mov esi, msg_no_long_mode
	call serial_puts32
	; isa-debug-exit only under QEMU (kernel/dev/debug_exit.h): CPUID present,
	; the hypervisor bit set, and the port reads 0.
	cmp dword [boot_has_cpuid], 0
	je .halt
	mov eax, 1
	cpuid
	test ecx, CPUID_1_ECX_HYPERVISOR
	jz .halt
	mov dx, DEBUG_EXIT_PORT
	in eax, dx
	test eax, eax
	jnz .halt
	mov eax, DEBUG_EXIT_FAIL
	out dx, eax
.halt:
	hlt
	jmp .halt

; Minimal COM1 output for the one message the 32-bit code can print:
; 115200 8N1, bounded wait for the transmitter (an absent UART reads 0xff).
serial_puts32:
	mov dx, COM1 + 1        ; IER: no interrupts
	xor al, al
	out dx, al
	mov dx, COM1 + 3        ; LCR: DLAB
	mov al, 0x80
	out dx, al
	mov dx, COM1 + 0        ; divisor 1 = 115200 baud
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3        ; 8N1
	mov al, 0x03
	out dx, al
.next:
	lodsb
	test al, al
	jz .drain
	mov bl, al
	mov ecx, 100000
	mov dx, COM1 + 5        ; LSR: THR empty (bit 5)
.wait:
	in al, dx
	test al, 0x20
	jnz .send
	loop .wait
.send:
	mov dx, COM1
	mov al, bl
	out dx, al
	jmp .next
.drain:                         ; until the last byte has left (LSR bit 6):
	mov ecx, 100000         ; QEMU exits right after and would drop it
	mov dx, COM1 + 5
.drain_wait:
	in al, dx
	test al, 0x40
	jnz .done
	loop .drain_wait
.done:
	ret

; Fills the tables described at the top of this file.
build_boot_tables:
	mov edi, boot_pml4
	mov ecx, (boot_tables_end - boot_pml4) / 4
	xor eax, eax
	rep stosd

	mov edi, boot_pd
	mov eax, PTE_P | PTE_RW | PTE_PS
	mov ecx, 4 * 512
.pd:
	mov [edi], eax
	add eax, PAGE_2M
	add edi, 8
	loop .pd

	call boot_tables_uncached

	mov dword [boot_pdpt_low + 0 * 8], boot_pd + 0 * 4096 + PTE_P + PTE_RW
	mov dword [boot_pdpt_low + 1 * 8], boot_pd + 1 * 4096 + PTE_P + PTE_RW
	mov dword [boot_pdpt_low + 2 * 8], boot_pd + 2 * 4096 + PTE_P + PTE_RW
	mov dword [boot_pdpt_low + 3 * 8], boot_pd + 3 * 4096 + PTE_P + PTE_RW
	mov dword [boot_pdpt_high + 510 * 8], boot_pd + 0 * 4096 + PTE_P + PTE_RW
	mov dword [boot_pdpt_high + 511 * 8], boot_pd + 1 * 4096 + PTE_P + PTE_RW
	mov dword [boot_pml4 + 0 * 8], boot_pdpt_low + PTE_P + PTE_RW
	mov dword [boot_pml4 + 256 * 8], boot_pdpt_low + PTE_P + PTE_RW
	mov dword [boot_pml4 + 511 * 8], boot_pdpt_high + PTE_P + PTE_RW
	ret

; Memory types of the boot map (Intel SDM Vol. 3A, 11.11.9, 11.12.3): a
; 2 MiB page over several MTRR types is undefined unless it is uncached, and
; MMIO must never be cacheable. The first 2 MiB (fixed-range MTRRs: RAM,
; the VGA window and ROMs) and 2..4 GiB (where PCs put the 32-bit MMIO hole)
; are made uncached: PCD|PWT selects PAT entry 3, UC since power-on. Only
; RAM is read through these pages before paging_init (the boot information),
; uncached but correct; the image and these tables lie above 2 MiB.
BOOT_UC_LOW_PD   equ 0          ; PD entry of 0..2 MiB
BOOT_UC_HOLE_PD  equ 1024       ; PD entries of 2..4 GiB
boot_tables_uncached:
	or dword [boot_pd + BOOT_UC_LOW_PD * 8], PTE_PCD | PTE_PWT
	mov edi, boot_pd + BOOT_UC_HOLE_PD * 8
	mov ecx, 4 * 512 - BOOT_UC_HOLE_PD
.next:
	or dword [edi], PTE_PCD | PTE_PWT
	add edi, 8
	loop .next
	ret

bits 64
; Long mode, still on the identity map. Switch to the kernel stack at
; KERNEL_VMA and call kmain(magic, info_phys) at its linked address.
long_mode_entry:
	mov ax, GDT_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, kernel_stack_top
	xor ebp, ebp                    ; ends frame-pointer backtraces
	mov edi, [boot_magic]
	mov esi, [boot_info_phys]
	mov rax, kmain
	call rax
.halt:
	cli
	hlt
	jmp .halt

section .boot.data progbits alloc noexec write align=16
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08: 64-bit code, DPL 0
	dq 0x00cf92000000ffff           ; 0x10: data, DPL 0
boot_gdtr:
	dw boot_gdtr - boot_gdt - 1
	dd boot_gdt
boot_magic:
	dd 0
boot_info_phys:
	dd 0
boot_has_nx:
	dd 0
boot_has_cpuid:
	dd 0
msg_no_long_mode:
	db 13, 10, 'ERROR msg="this CPU has no 64-bit long mode (CPUID 80000001h:EDX[29])"', 13, 10
	db 'DONE status=fail reason="no long mode"', 13, 10, 0

section .boot.bss nobits alloc noexec write align=4096
boot_pml4:
	resb 4096
boot_pdpt_low:
	resb 4096
boot_pdpt_high:
	resb 4096
boot_pd:
	resb 4 * 4096
boot_tables_end:
	resb 4096
boot_stack_top:

; The boot CPU's kernel stack, in the kernel image proper, above a guard
; page that paging_init() leaves unmapped: an overflow faults, and the
; double-fault handler (on its own IST stack) reports it.
KERNEL_STACK_SIZE equ 16384
global kernel_stack_guard
section .bss nobits alloc noexec write align=4096
kernel_stack_guard:
	resb 4096
kernel_stack:
	resb KERNEL_STACK_SIZE
kernel_stack_top:
