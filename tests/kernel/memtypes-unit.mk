# Host unit tests of the memory-type code (issue 10): the MTRR lookup and
# the direct map's plan (kernel/arch/mtrr_type.c, kernel/arch/direct_map.c)
# over the memory map builder, plain and with ASan+UBSan.

KLIB_UNIT_memtypes := kernel/arch/mtrr_type kernel/arch/direct_map kernel/mm/memmap kernel/lib/printf
MEMTYPES_UNIT_BINS := $(BUILD)/host/tests/kernel/memtypes_unit $(BUILD)/asan/tests/kernel/memtypes_unit
# The link rules of the klib unit tests (klib-unit.mk, included before this fragment).
$(eval $(call KLIB_UNIT_RULES,memtypes))

.PHONY: test-memtypes-unit
test-memtypes-unit: $(MEMTYPES_UNIT_BINS)
	@set -e; for t in $^; do echo "== $$t"; \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $$t -j1 --short-filename; done

TEST_TARGETS += test-memtypes-unit

help::
	@echo "  test-memtypes-unit MTRR lookup and direct-map plan host unit tests (plain, ASan+UBSan)"
