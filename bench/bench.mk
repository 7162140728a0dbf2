# bench: build rules (fragment included by the top-level Makefile).
#
# The benchmarks are portable: the kernel compiles BENCH_KERNEL_SRCS itself
# (freestanding, no libc beyond the string functions of bench/cstring.h); the host program adds
# bench/host/ (pthreads, TSC calibration, CPUID) and links the host LLFree.

# The buddy baseline (its tests link these alone: tests/bench/buddy-tests.mk).
BUDDY_SRCS        := bench/buddy.c bench/buddy_setup.c bench/buddy_validate.c
BENCH_KERNEL_SRCS := bench/bench.c bench/run.c bench/timed.c bench/frag.c bench/alloc.c bench/list.c \
                     bench/options.c bench/fmt.c $(BUDDY_SRCS) bench/cpu_ident.c
BENCH_HOST_SRCS   := $(sort $(wildcard bench/host/*.c))
BENCH_HOST_OBJS   := $(patsubst %.c,$(BUILD)/host/%.o,$(BENCH_KERNEL_SRCS) $(BENCH_HOST_SRCS))
LLFREE_HOST_LIB   ?= $(BUILD)/host/libllfree.a

# Options for `make bench-host`, e.g. BENCH_ARGS="--bench=bulk --cores=1".
BENCH_ARGS ?=

$(BUILD)/llfree-bench: $(BENCH_HOST_OBJS) $(LLFREE_HOST_LIB)
	$(HOSTCC) $(HOST_LDFLAGS) -o $@ $^

ALL_TARGETS += $(BUILD)/llfree-bench

# Run on this machine: log, then CSV and plots (tools/logparse.py, tools/plot.py).
.PHONY: bench-host
bench-host: $(BUILD)/llfree-bench
	@mkdir -p $(BUILD)/plots
	set -o pipefail; $(BUILD)/llfree-bench $(BENCH_ARGS) | tee $(BUILD)/bench-host.log
	$(PYTHON) tools/logparse.py $(BUILD)/bench-host.log -o $(BUILD)/plots/bench-host.csv
	$(PYTHON) tools/plot.py $(BUILD)/plots/bench-host.csv -o $(BUILD)/plots

help::
	@echo "  bench-host     run $(BUILD)/llfree-bench here (BENCH_ARGS=...): $(BUILD)/bench-host.log, CSV and PNGs in $(BUILD)/plots/bench-host/"
