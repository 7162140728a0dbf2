# tests/qemu/console.sh: the serial console the kernel chooses (console=,
# ACPI SPCR, probing) with COM2 as the only connected port, BIOS/UEFI/PVH.
# Fragment included by the top-level Makefile.

.PHONY: test-qemu-console
test-qemu-console: kernel iso
	tests/qemu/console.sh

TEST_TARGETS += test-qemu-console

help::
	@echo "  test-qemu-console QEMU: serial console on COM2 only (probe, console=, ACPI SPCR)"
