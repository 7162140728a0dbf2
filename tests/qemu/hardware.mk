# Real-machine safety in QEMU (issue 10): machine checks injected through the
# QEMU monitor, interrupts the firmware left armed, stuck CPUs and lost
# wake-ups, stack guard pages, isa-debug-exit only under QEMU
# (tests/qemu/hardware.sh, docs/hardware.md).

.PHONY: test-qemu-hardware
TEST_TARGETS += test-qemu-hardware

test-qemu-hardware: kernel
	tests/qemu/hardware.sh

help::
	@echo "  test-qemu-hardware QEMU: machine checks (monitor mce), armed LVT/IOAPIC, watchdog, guard pages, exit port"
