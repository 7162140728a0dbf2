# kernel: build rules (fragment included by the top-level Makefile).
#
#   make kernel     $(BUILD)/kernel.elf: multiboot2 (GRUB) + PVH (qemu -kernel)
#   make iso        $(BUILD)/llfree-kernel.iso: hybrid BIOS+UEFI GRUB image
#
# Every kernel/**/*.c and boot/*.asm is compiled by wildcard: add files, not
# rules. LLFree ($(LLFREE_SRCS), over kernel/platform/llfree_platform.h) and the
# portable benchmarks ($(BENCH_KERNEL_SRCS)) are compiled with the same flags
# and linked in. Objects: $(BUILD)/kernel/<source path>.o
#
# No cross toolchain is needed: the host gcc (or clang --target=x86_64-elf)
# emits x86-64 ELF objects, and with -ffreestanding -nostdlib and our own
# linker script nothing of the host's libc or ABI reaches the image.
#   make kernel KERNEL_CC="clang --target=x86_64-elf"

KERNEL_CC ?= gcc
KERNEL_LD ?= ld
KERNEL_CFLAGS ?= -std=gnu11 -O2 -g -ffreestanding -fno-pie -fno-pic -mno-red-zone \
	-mcmodel=kernel -mgeneral-regs-only -nostdlib -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -Wall -Wextra -Werror
# Include paths follow the layers (kernel -> bench -> llfree): each tree
# compiled into the kernel sees itself and the trees below it. LLFree gets
# the kernel's platform hooks (kernel/platform/, nothing else of the kernel).
KERNEL_INCLUDES_kernel := -Ikernel -Ibench -Illfree/include
KERNEL_INCLUDES_bench  := -Ibench -Illfree/include
KERNEL_INCLUDES_llfree := -Illfree/include -Ikernel/platform
# The boot segment is RWX on purpose: it runs before paging (linker.ld).
KERNEL_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T linker.ld
KERNEL_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

KERNEL_ELF := $(BUILD)/kernel.elf
KERNEL_ISO := $(BUILD)/llfree-kernel.iso

KERNEL_C_SRCS := $(sort $(shell find kernel -name '*.c'))
KERNEL_ASM_SRCS := $(sort $(wildcard boot/*.asm))
# llfree/llfree.mk is read after this fragment: expand these lazily ($$ below).
KERNEL_SRCS = $(KERNEL_C_SRCS) $(LLFREE_SRCS) $(BENCH_KERNEL_SRCS)
KERNEL_OBJS = $(patsubst %.c,$(BUILD)/kernel/%.o,$(KERNEL_SRCS)) \
	$(patsubst %.asm,$(BUILD)/kernel/%.o,$(KERNEL_ASM_SRCS))

$(BUILD)/kernel/%.o: %.c
	@mkdir -p $(@D)
	$(KERNEL_CC) $(KERNEL_CFLAGS) $(KERNEL_INCLUDES_$(firstword $(subst /, ,$<))) -MMD -MP -c $< -o $@

$(BUILD)/kernel/%.o: %.asm
	@mkdir -p $(@D)
	$(NASM) -f elf64 -g -w+all -iboot/ -MD $(@:.o=.d) -MP -o $@ $<

# The BOOT line's version=: main.o is rebuilt when the checkout moves.
$(BUILD)/kernel/kernel/main.o: KERNEL_CFLAGS += -DKERNEL_VERSION='"$(KERNEL_VERSION)"'
$(BUILD)/kernel/kernel/main.o: $(wildcard .git/HEAD .git/index)

.SECONDEXPANSION:
# Linked aside and renamed: a run or ISO build reading the old file while
# the kernel relinks (several people share build/) never sees half an ELF.
$(KERNEL_ELF): $$(KERNEL_OBJS) linker.ld
	$(KERNEL_LD) $(KERNEL_LDFLAGS) -o $@.tmp $(KERNEL_OBJS)
	mv -f $@.tmp $@

# The ISO is built by the same code that builds per-run ISOs with a command line.
$(KERNEL_ISO): $(KERNEL_ELF) boot/grub.cfg run-qemu.sh
	./run-qemu.sh --no-build --make-iso $@

.PHONY: kernel iso
kernel: $(KERNEL_ELF)
iso: $(KERNEL_ISO)

ALL_TARGETS += kernel iso

help::
	@echo "  kernel         $(KERNEL_ELF) (KERNEL_CC=\"clang --target=x86_64-elf\" also works)"
	@echo "  iso            $(KERNEL_ISO), hybrid BIOS+UEFI GRUB image"
