# Persistent LLFree in QEMU: crash/recover cycles, refused recoveries, clean
# shutdown, the recovery check's self-tests (tests/qemu/crash-recover.sh).

.PHONY: test-qemu-pmem crash-recover
TEST_TARGETS += test-qemu-pmem

test-qemu-pmem: kernel iso
	tests/qemu/crash-recover.sh suite

# More cycles by hand: make crash-recover CYCLES=20 SEED=7
CYCLES ?= 5
crash-recover: kernel
	SEED=$(or $(SEED),1) tests/qemu/crash-recover.sh cycles $(CYCLES)

help::
	@echo "  test-qemu-pmem QEMU: persistent LLFree, crash (SIGKILL) and recover cycles, refusals, clean shutdown"
	@echo "  crash-recover  QEMU: CYCLES=N crash/recover cycles (SEED=S)"
