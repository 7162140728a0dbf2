# Benchmarks in the kernel under QEMU (fragment included by the top-level Makefile).
#
#   make test-qemu-bench         tiny benchmark boots: every RESULT line, bad options fail
#   make bench-qemu SMP=4 MEM=1G ARGS="bench=bulk,repeat,rand,frag ..."
#                                one benchmark boot: $(BUILD)/bench-qemu.log, CSV, PNGs
#                                in $(PLOTS_DIR), and the buddy/LLFree table
# TCG timings are host cycles without cache contention: compare allocators
# within one boot (ratios), never absolute numbers (shared/design/kernel.md).

SMP ?= 4
MEM ?= 1G
ARGS ?= bench=bulk,repeat,rand,frag iterations=3 rounds=20
# run-qemu.sh flags: the PVH fast path by default; BENCH_QEMU_FLAGS= boots the ISO (GRUB, BIOS).
BENCH_QEMU_FLAGS ?= --kernel
BENCH_QEMU_TIMEOUT ?= 3600
BENCH_QEMU_LOG := $(BUILD)/bench-qemu.log
PLOTS_DIR ?= $(BUILD)/plots

.PHONY: test-qemu-bench bench-qemu
TEST_TARGETS += test-qemu-bench

test-qemu-bench: kernel
	tests/qemu/bench.sh

# The benchmark keys come after stress=0: a benchmark boot skips the stress
# test unless ARGS says stress=1 (the last word wins).
bench-qemu: kernel iso
	@mkdir -p $(PLOTS_DIR)
	./run-qemu.sh --no-build $(BENCH_QEMU_FLAGS) --smp $(SMP) --mem $(MEM) \
		--timeout $(BENCH_QEMU_TIMEOUT) --log $(BENCH_QEMU_LOG) -- stress=0 $(ARGS)
	$(PYTHON) tools/logparse.py --strict $(BENCH_QEMU_LOG) -o $(PLOTS_DIR)/bench-qemu.csv
	$(PYTHON) tools/plot.py $(PLOTS_DIR)/bench-qemu.csv -o $(PLOTS_DIR)
	$(PYTHON) tests/qemu/bench_results.py table $(PLOTS_DIR)/bench-qemu.csv

help::
	@echo "  test-qemu-bench QEMU: tiny benchmark boots (every RESULT line present and parsed; bad options fail)"
	@echo "  bench-qemu     QEMU benchmark boot (SMP=$(SMP) MEM=$(MEM) ARGS=\"$(ARGS)\"): $(BENCH_QEMU_LOG), CSV+PNGs in $(PLOTS_DIR)/bench-qemu/"

# Host unit tests of kernel/mm/contig.c (the benchmarks' buffers) over the
# host LLFree, plain and ASan+UBSan; llfree_get_at is wrapped to inject a race.
CONTIG_TEST_LDFLAGS := -Wl,--wrap=llfree_get_at -lcriterion
$(BUILD)/host/tests/kernel/test_contig: $(BUILD)/host/tests/kernel/test_contig.o \
		$(BUILD)/host/kernel/mm/contig.o $(BUILD)/host/libllfree.a
	$(HOSTCC) $(HOST_LDFLAGS) $^ $(CONTIG_TEST_LDFLAGS) -o $@
$(BUILD)/asan/tests/kernel/test_contig: $(BUILD)/asan/tests/kernel/test_contig.o \
		$(BUILD)/asan/kernel/mm/contig.o $(BUILD)/asan/libllfree.a
	$(SAN_CC) -fsanitize=address,undefined $(HOST_LDFLAGS) $^ $(CONTIG_TEST_LDFLAGS) -o $@

.PHONY: test-contig
test-contig: $(BUILD)/host/tests/kernel/test_contig $(BUILD)/asan/tests/kernel/test_contig
	@set -e; for t in $^; do echo "== $$t"; $$t -j1 --short-filename; done

TEST_TARGETS += test-contig

help::
	@echo "  test-contig    host unit tests of kernel/mm/contig.c (runs of free 2 MiB areas, injected race), plain and ASan+UBSan"
