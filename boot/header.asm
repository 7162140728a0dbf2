; Boot headers: the multiboot2 header (GRUB, BIOS and UEFI) and the PVH ELF
; note (qemu -kernel). Both point into boot/entry.asm.
;
; Multiboot2 Specification 2.0, 3.1 (OS image format): the header lies in the
; first 32 KiB of the file, 8-byte aligned; each tag 8-byte aligned.
; PVH: Xen's "x86/HVM direct boot ABI" (docs/misc/pvh.pandoc) and
; xen/include/public/elfnote.h, XEN_ELFNOTE_PHYS32_ENTRY = 18.

MB2_HEADER_MAGIC    equ 0xe85250d6
MB2_ARCH_I386       equ 0          ; 32-bit protected mode entry
MB2_TAG_END         equ 0
MB2_TAG_FRAMEBUFFER equ 5
MB2_TAG_RELOCATABLE equ 10
MB2_TAG_OPTIONAL    equ 1          ; flags bit 0: boot even if not honoured

; Relocatable tag (3.1.12): where GRUB may place the image. Linked at 2 MiB;
; anywhere from there to 4 GiB (the 32-bit entry and the boot tables' identity
; map), 2 MiB aligned (boot/entry.asm maps the image with 2 MiB pages).
; Preference 1 (lowest address) keeps it at 2 MiB where that is free, as
; before; tests/qemu/console.sh patches these fields to make GRUB move it.
MB2_LOAD_MIN        equ 0x200000
MB2_LOAD_MAX        equ 0xffffffff
MB2_LOAD_ALIGN      equ 0x200000
MB2_LOAD_PREFER_LOW equ 1

XEN_ELFNOTE_PHYS32_ENTRY equ 18

extern mb2_entry
extern pvh_entry

; No EFI boot-services tag (7): without it GRUB exits boot services and
; enters mb2_entry in 32-bit protected mode on BIOS and UEFI alike
; (shared/design/kernel.md, Boot).
section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	; Framebuffer request (3.1.10): a linear RGB mode for the framebuffer
	; console on machines without a serial port. Optional: GRUB boots us
	; in text mode if it cannot set one.
	align 8
.fb_tag:
	dw MB2_TAG_FRAMEBUFFER
	dw MB2_TAG_OPTIONAL
	dd .fb_tag_end - .fb_tag
	dd 1024                        ; width
	dd 768                         ; height
	dd 32                          ; depth (bits per pixel)
.fb_tag_end:

	; Relocatable (3.1.12): optional, a loader that ignores it loads the
	; image at its linked address, which works as well.
	align 8
.reloc_tag:
	dw MB2_TAG_RELOCATABLE
	dw MB2_TAG_OPTIONAL
	dd .reloc_tag_end - .reloc_tag
	dd MB2_LOAD_MIN
	dd MB2_LOAD_MAX
	dd MB2_LOAD_ALIGN
	dd MB2_LOAD_PREFER_LOW
.reloc_tag_end:

	align 8
	dw MB2_TAG_END
	dw 0
	dd 8
mb2_header_end:

; PVH note: QEMU (-kernel) and Xen start the ELF at this 32-bit physical
; address in protected mode, paging off, EBX = hvm_start_info.
section .note.Xen note alloc noexec nowrite align=4
	dd 4                           ; n_namesz: "Xen\0"
	dd 4                           ; n_descsz
	dd XEN_ELFNOTE_PHYS32_ENTRY    ; n_type
	db "Xen", 0
	dd pvh_entry
