; 32-bit entries (multiboot2 and PVH) and the switch to long mode.
;
; Intel SDM Vol. 3A, 9.8.5 (initializing IA-32e mode): PAE on, CR3 loaded,
; EFER.LME set, then CR0.PG; a far jump into a 64-bit code segment.
; CR0, CR4 and EFER are written as whole values, never OR-ed into what the
; firmware left (on UEFI, EFER.NXE and extra CR0/CR4 bits are already set;
; shared/design/kernel.md, Boot).
;
; This file runs from the low .boot sections, linked at their physical
; address; the kernel proper is linked at KERNEL_VMA + physical (linker.ld).
; GRUB may load the image elsewhere (the relocatable tag in boot/header.asm):
; up to long mode this code is position independent, every address is
; EBP (load offset = load address - linked address) + the linked label, and
; the boot tables map the unchanged virtual layout onto the real frames
; (kernel/arch/image.h). PVH boots load at the linked address (offset 0).
;
; Boot page tables (replaced by paging_init() in C):
;   PML4[0]   -> identity map of 0..4 GiB, 2 MiB pages (this code runs there);
;                0..2 MiB and 2..4 GiB uncached (boot_tables_uncached)
;   PML4[256] -> the same 0..4 GiB at DIRECT_MAP_BASE (C reads boot info)
;   PML4[511] -> PDPT[510]: KERNEL_VMA + p -> p + offset for p in 0..1 GiB

bits 32

%include "x86.inc"

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

; Must match kernel/firmware/pvh.h (BOOT_MAGIC_PVH) and kernel/dev/debug_exit.h.
BOOT_MAGIC_PVH  equ 0x336ec578
DEBUG_EXIT_PORT equ 0xf4
DEBUG_EXIT_FAIL equ 0x11

COM1     equ 0x3f8

; Multiboot2 Specification 2.0, 3.6: the boot information is a u32 total
; size, a u32 reserved, then 8-byte aligned tags (u32 type, u32 size).
MB2_INFO_TAGS      equ 8
MB2_TAG_END        equ 0
MB2_TAG_LOAD_BASE  equ 21      ; 3.6.16: u32 load_base_addr at +8
LOAD_OFFSET_ALIGN  equ PAGE_2M - 1

extern __kernel_phys_start
extern __kernel_phys_end
global kernel_load_offset

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
	jmp find_load_offset
.back:
	mov [ebp + boot_magic], eax
	mov [ebp + boot_info_phys], ebx
	jmp start32

; qemu -kernel / Xen PVH. State (PVH ABI): 32-bit protected mode, paging
; off, flat CS/DS/ES/SS, interrupts off, EBX = physical address of the
; hvm_start_info, ESP undefined.
pvh_entry:
	cli
	cld
	xor ebp, ebp                    ; loaded at the linked address
	mov dword [ebp + boot_magic], BOOT_MAGIC_PVH
	mov [ebp + boot_info_phys], ebx

start32:
	lea esp, [ebp + boot_stack_top]
	call check_long_mode
	call check_load_offset
	call build_boot_tables

	mov eax, CR4_PAE | CR4_MCE | CR4_PGE
	mov cr4, eax
	lea eax, [ebp + boot_pml4]
	mov cr3, eax

	mov eax, EFER_LME
	cmp dword [ebp + boot_has_nx], 0
	je .no_nx
	or eax, EFER_NXE
.no_nx:
	xor edx, edx
	mov ecx, MSR_EFER
	wrmsr

	mov eax, CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG
	mov cr0, eax

	; The GDT pointer and the far jump's target are linear addresses.
	lea eax, [ebp + boot_gdt]
	mov [ebp + boot_gdtr + 2], eax
	lgdt [ebp + boot_gdtr]
	push dword GDT_CODE64
	lea eax, [ebp + long_mode_entry]
	push eax
	retf

; Multiboot2 only, before any memory access, without a stack (ESP is
; undefined): EBP = the load offset from the boot information's load base
; tag (21, present when the image has the relocatable header tag), 0 without
; one. A bounded walk of the tags at EBX; preserves EAX and EBX.
find_load_offset:
	xor ebp, ebp
	lea esi, [ebx + MB2_INFO_TAGS]
	mov edi, ebx
	add edi, [ebx]                  ; end of the information
.tag:
	lea ecx, [esi + 8]
	cmp ecx, edi
	ja .done
	mov ecx, [esi]                  ; type
	cmp ecx, MB2_TAG_END
	je .done
	mov edx, [esi + 4]              ; size
	cmp edx, 8
	jb .done
	cmp ecx, MB2_TAG_LOAD_BASE
	je .found
	add edx, 7
	and edx, ~7
	add esi, edx
	jmp .tag
.found:
	mov ebp, [esi + 8]
	sub ebp, __kernel_phys_start
.done:
	jmp mb2_entry.back              ; no stack for a call and ret

; The boot tables map the image with 2 MiB pages: the offset must be a
; non-negative multiple of 2 MiB (the header asks for that alignment).
check_load_offset:
	test ebp, LOAD_OFFSET_ALIGN
	jnz .bad
	cmp ebp, 0
	jl .bad
	ret
.bad:
	lea esi, [ebp + msg_bad_load_address]
	jmp fail32

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
	mov dword [ebp + boot_has_cpuid], 1
	mov eax, CPUID_EXT_MAX
	cpuid
	cmp eax, CPUID_EXT_FEATURES
	jb .absent
	mov eax, CPUID_EXT_FEATURES
	cpuid
	test edx, CPUID_EXT_EDX_LM
	jz .absent
	and edx, CPUID_EXT_EDX_NX
	mov [ebp + boot_has_nx], edx
	ret
.absent:
	lea esi, [ebp + msg_no_long_mode]

; Prints the message at ESI on COM1 and ends the run (QEMU) or halts.
fail32:
	call serial_puts32
	; isa-debug-exit only under QEMU (kernel/dev/debug_exit.h): CPUID present,
	; the hypervisor bit set, and the port reads 0.
	cmp dword [ebp + boot_has_cpuid], 0
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
	lea edi, [ebp + boot_pml4]
	mov ecx, (boot_tables_end - boot_pml4) / 4
	xor eax, eax
	rep stosd

	lea edi, [ebp + boot_pd]        ; identity: 0..4 GiB
	mov eax, PTE_P | PTE_RW | PTE_PS
	xor edx, edx
	mov ecx, 4 * 512
	call fill_pd
	lea edi, [ebp + boot_pd_image]  ; image: offset .. offset + 1 GiB
	mov eax, PTE_P | PTE_RW | PTE_PS
	add eax, ebp
	xor edx, edx
	mov ecx, 512
	call fill_pd

	call boot_tables_uncached

	lea edi, [ebp + boot_pdpt_low]
	lea eax, [ebp + boot_pd + PTE_P + PTE_RW]
	mov ecx, 4
.pdpt:
	mov [edi], eax
	add eax, 4096
	add edi, 8
	loop .pdpt
	lea eax, [ebp + boot_pd_image + PTE_P + PTE_RW]
	mov [ebp + boot_pdpt_high + 510 * 8], eax
	lea eax, [ebp + boot_pdpt_low + PTE_P + PTE_RW]
	mov [ebp + boot_pml4 + 0 * 8], eax
	mov [ebp + boot_pml4 + 256 * 8], eax
	lea eax, [ebp + boot_pdpt_high + PTE_P + PTE_RW]
	mov [ebp + boot_pml4 + 511 * 8], eax
	ret

; ECX 2 MiB entries at EDI, the first mapping EDX:EAX (flags included).
fill_pd:
	mov [edi], eax
	mov [edi + 4], edx
	add eax, PAGE_2M
	adc edx, 0
	add edi, 8
	loop fill_pd
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
; The image keeps its write-back entries wherever GRUB placed it: a UC alias
; of pages the image mapping reads write-back is what 11.12.4 warns against.
boot_tables_uncached:
	or dword [ebp + boot_pd + BOOT_UC_LOW_PD * 8], PTE_PCD | PTE_PWT
	lea esi, [ebp + __kernel_phys_start]
	shr esi, 21                     ; the image's first PD entry
	lea edx, [ebp + __kernel_phys_end + PAGE_2M - 1]
	shr edx, 21                     ; past its last
	mov ecx, BOOT_UC_HOLE_PD
.next:
	cmp ecx, esi
	jb .uncached
	cmp ecx, edx
	jb .skip
.uncached:
	or dword [ebp + boot_pd + ecx * 8], PTE_PCD | PTE_PWT
.skip:
	inc ecx
	cmp ecx, 4 * 512
	jb .next
	ret

bits 64
default rel
; Long mode, still on the identity map (RIP-relative addressing: position
; independent; the upper halves of the registers are undefined). Record the
; load offset, switch to the kernel stack at KERNEL_VMA and call
; kmain(magic, info_phys) at its linked address.
long_mode_entry:
	LOAD_DATA_SEGMENTS
	mov rsp, kernel_stack_top
	mov eax, ebp                    ; zero-extends the 32-bit offset
	mov rcx, kernel_load_offset
	mov [rcx], rax
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
	FLAT_GDT
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
msg_bad_load_address:
	db 13, 10, 'ERROR msg="the boot loader placed the kernel at an offset that is not a multiple of 2 MiB above its linked address"', 13, 10
	db 'DONE status=fail reason="bad load address"', 13, 10, 0

section .boot.bss nobits alloc noexec write align=4096
boot_pml4:
	resb 4096
boot_pdpt_low:
	resb 4096
boot_pdpt_high:
	resb 4096
boot_pd:
	resb 4 * 4096
boot_pd_image:
	resb 4096
boot_tables_end:
	resb 4096
boot_stack_top:

; The boot CPU's kernel stack, in the kernel image proper, above a guard
; page that paging_init() leaves unmapped: an overflow faults, and the
; double-fault handler (on its own IST stack) reports it.
KERNEL_STACK_SIZE equ 16384
global kernel_stack_guard
section .data
align 8
kernel_load_offset:                     ; kernel/arch/image.h
	dq 0

section .bss nobits alloc noexec write align=4096
kernel_stack_guard:
	resb 4096
kernel_stack:
	resb KERNEL_STACK_SIZE
kernel_stack_top:
