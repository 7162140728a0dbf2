/*
 * Where the kernel image lies in physical memory.
 *
 * The image is linked for one physical base (linker.ld: KERNEL_PHYS, 2 MiB)
 * but the multiboot2 header lets GRUB load it elsewhere (Multiboot2
 * Specification 2.0, 3.1.12, relocatable header tag, 2 MiB aligned); the
 * boot information says where (3.6.16, image load base physical address).
 * boot/entry.asm runs position-independent until long mode, maps the
 * unchanged virtual layout (KERNEL_VMA + linked physical address) onto the
 * real frames, and records the difference here before kmain. PVH boots
 * (qemu -kernel) load at the linked address: the offset is 0.
 */
#ifndef KERNEL_ARCH_IMAGE_H
#define KERNEL_ARCH_IMAGE_H

#include <stdint.h>

/* Physical load address minus linked physical address: a multiple of 2 MiB, >= 0. */
extern uint64_t kernel_load_offset;
/* Linker symbols: the image's linked physical extent (use the functions below). */
extern char __kernel_phys_start[], __kernel_phys_end[];

static inline uint64_t kernel_phys_start(void) { return (uint64_t)__kernel_phys_start + kernel_load_offset; }
static inline uint64_t kernel_phys_end(void) { return (uint64_t)__kernel_phys_end + kernel_load_offset; }

#endif
