# tests/qemu: QEMU integration tests (fragment included by the top-level Makefile).
#
#   make test-qemu-boot          every boot check (BIOS, UEFI, PVH, failure paths)
#   tests/qemu/boot.sh NAME...   single checks, after make kernel iso

.PHONY: test-qemu-boot
test-qemu-boot: kernel iso
	tests/qemu/boot.sh

TEST_TARGETS += test-qemu-boot

help::
	@echo "  test-qemu-boot boot BIOS/UEFI ISO and PVH in QEMU, check the serial log"
