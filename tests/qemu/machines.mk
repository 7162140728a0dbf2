# QEMU machines that stand in for real hardware q35 does not imitate:
# microvm (no PIT/PIC/HPET/PM timer), no TSC reference at all, the CMOS RTC
# as the reference, RAM above 1 TiB, memory types under SeaBIOS and OVMF,
# pmem mapped before the APs (tests/qemu/machines.sh, issue 10).

.PHONY: test-qemu-machines
TEST_TARGETS += test-qemu-machines

test-qemu-machines: kernel iso
	tests/qemu/machines.sh

help::
	@echo "  test-qemu-machines QEMU: microvm (RTC as TSC reference), no clock, tsc_ref=rtc, RAM above 1 TiB, memory types, pmem before APs"
