# Persistent LLFree in QEMU: crash/recover cycles, refused recoveries, clean
# shutdown, the recovery check's self-tests (tests/qemu/crash-recover.sh,
# docs/pmem.md).

.PHONY: test-qemu-pmem crash-recover
TEST_TARGETS += test-qemu-pmem

test-qemu-pmem: kernel iso
	tests/qemu/crash-recover.sh suite

# More cycles by hand: make crash-recover CYCLES=20 SEED=7 (command-line
# variables reach the script's environment: SEED, SMP, PMEM_SIZE).
crash-recover: kernel
	tests/qemu/crash-recover.sh cycles $(or $(CYCLES),5)

help::
	@echo "  test-qemu-pmem QEMU: persistent LLFree, crash (SIGKILL) and recover cycles, refusals, clean shutdown"
	@echo "  crash-recover  QEMU: CYCLES=N crash/recover cycles (SEED=S SMP=N PMEM_SIZE=64M)"
