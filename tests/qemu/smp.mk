# SMP start-up, LLFree over all RAM and the stress test on every core, in QEMU.

.PHONY: test-qemu-smp soak
TEST_TARGETS += test-qemu-smp

test-qemu-smp: kernel iso
	tests/qemu/smp-suite.sh quick

# Long runs (minutes each); not part of `make test`.
soak: kernel iso
	tests/qemu/smp-suite.sh soak

help::
	@echo "  test-qemu-smp  QEMU: 1..255 CPUs, 128M..8G with holes, BIOS+UEFI, stress test on every core"
	@echo "  soak           QEMU: long stress runs (minutes each)"
