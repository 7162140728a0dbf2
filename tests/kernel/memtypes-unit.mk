# Host unit tests of the memory-type code (issue 10): the MTRR lookup and
# the direct map's plan (kernel/arch/mtrr_type.c, kernel/arch/direct_map.c)
# over the memory map builder, plain and with ASan+UBSan.

MEMTYPES_UNIT_MODULES := kernel/arch/mtrr_type kernel/arch/direct_map kernel/mm/memmap kernel/lib/printf
MEMTYPES_UNIT_BINS := $(BUILD)/host/tests/kernel/memtypes_unit $(BUILD)/asan/tests/kernel/memtypes_unit

$(BUILD)/host/tests/kernel/memtypes_unit: $(BUILD)/host/tests/kernel/test_memtypes.o \
		$(patsubst %,$(BUILD)/host/%.o,$(MEMTYPES_UNIT_MODULES))
	$(HOSTCC) $(HOST_LDFLAGS) $^ -lcriterion -o $@
$(BUILD)/asan/tests/kernel/memtypes_unit: $(BUILD)/asan/tests/kernel/test_memtypes.o \
		$(patsubst %,$(BUILD)/asan/%.o,$(MEMTYPES_UNIT_MODULES))
	$(SAN_CC) -fsanitize=address,undefined $(HOST_LDFLAGS) $^ -lcriterion -o $@

.PHONY: test-memtypes-unit
test-memtypes-unit: $(MEMTYPES_UNIT_BINS)
	@set -e; for t in $^; do echo "== $$t"; $$t -j1 --short-filename; done

TEST_TARGETS += test-memtypes-unit

help::
	@echo "  test-memtypes-unit MTRR lookup and direct-map plan host unit tests (plain, ASan+UBSan)"
