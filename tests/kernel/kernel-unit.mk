# tests/kernel: host unit tests of the kernel's pure boot modules (multiboot2
# and PVH parsers, memory map), built from the shared host object rules, plain and
# with Address+UB sanitizers, plus the same modules as the kernel compiles
# them (kernel/kernel.mk's rule: freestanding, no SSE, kernel code model).
# Fragment included by the top-level Makefile.

KUNIT_MODULES := kernel/firmware/multiboot2 kernel/firmware/pvh kernel/mm/memmap
KUNIT_TESTS   := multiboot2 pvh memmap

KUNIT_BINS        := $(patsubst %,$(BUILD)/host/tests/kernel/test_%,$(KUNIT_TESTS))
KUNIT_ASAN_BINS   := $(patsubst %,$(BUILD)/asan/tests/kernel/test_%,$(KUNIT_TESTS))
KUNIT_KERNEL_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(KUNIT_MODULES) kernel/mm/memmap_print)

# Static patterns: only our binaries, each linked with every module.
$(KUNIT_BINS): $(BUILD)/host/tests/kernel/test_%: $(BUILD)/host/tests/kernel/test_%.o \
		$(patsubst %,$(BUILD)/host/%.o,$(KUNIT_MODULES))
	$(HOSTCC) $(HOST_LDFLAGS) $^ -lcriterion -o $@

$(KUNIT_ASAN_BINS): $(BUILD)/asan/tests/kernel/test_%: $(BUILD)/asan/tests/kernel/test_%.o \
		$(patsubst %,$(BUILD)/asan/%.o,$(KUNIT_MODULES))
	$(SAN_CC) -fsanitize=address,undefined $(HOST_LDFLAGS) $^ -lcriterion -o $@

# Tests of one module in several files, one binary per module. The memory
# map tests also check the log text (kprintf caught: kprintf_capture.c).
KUNIT_MORE_multiboot2 := tests/kernel/test_multiboot2_errors tests/kernel/test_multiboot2_grub
KUNIT_MORE_memmap     := tests/kernel/test_memmap_qemu tests/kernel/test_memmap_random kernel/mm/memmap_print \
                         kernel/lib/printf tests/kernel/kprintf_capture
$(foreach t,multiboot2 memmap,$(eval $(BUILD)/host/tests/kernel/test_$(t): $(KUNIT_MORE_$(t):%=$(BUILD)/host/%.o)))
$(foreach t,multiboot2 memmap,$(eval $(BUILD)/asan/tests/kernel/test_$(t): $(KUNIT_MORE_$(t):%=$(BUILD)/asan/%.o)))

# Run from the repository root: the tests read tests/kernel/data/.
# Criterion forks one process per test; -j1 keeps the shared CPUs free.
.PHONY: test-kernel-unit
test-kernel-unit: $(KUNIT_BINS) $(KUNIT_ASAN_BINS) $(KUNIT_KERNEL_OBJS)
	@set -e; for t in $(KUNIT_BINS) $(KUNIT_ASAN_BINS); do \
		echo "== $$t"; $$t -j1 --short-filename; done

TEST_TARGETS += test-kernel-unit

help::
	@echo "  test-kernel-unit  multiboot2, PVH and memory map host unit tests (plain, ASan+UBSan)"
