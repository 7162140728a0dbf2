# tests/bench: the portable benchmarks on the host (fragment included by the top-level Makefile).
#
#   make test-bench   options, formatter, and a tiny run of every benchmark and allocator

BENCH_TEST_SRCS := tests/bench/test_bench.c bench/host/env.c $(BENCH_KERNEL_SRCS)
BENCH_TEST_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(BENCH_TEST_SRCS))

$(BUILD)/tests/test-bench: $(BENCH_TEST_OBJS) $(LLFREE_HOST_LIB)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_LDFLAGS) -o $@ $^ -lcriterion

.PHONY: test-bench
test-bench: $(BUILD)/tests/test-bench
	$(BUILD)/tests/test-bench --jobs 1

ifneq ($(BENCH_LLFREE_READY),)
TEST_TARGETS += test-bench
endif

help::
	@echo "  test-bench     benchmark options, formatter, tiny runs of every benchmark (tests/bench/)"
