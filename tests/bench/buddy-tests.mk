# Buddy baseline tests (fragment included by the top-level Makefile):
# unit tests and the concurrency stress test, plain and under ThreadSanitizer.

BUDDY_TESTS := test_buddy test_buddy_stress
BUDDY_HOST_BINS := $(addprefix $(BUILD)/host/tests/bench/,$(BUDDY_TESTS))
BUDDY_TSAN_BINS := $(addprefix $(BUILD)/tsan/tests/bench/,$(BUDDY_TESTS))

$(BUDDY_HOST_BINS): $(BUILD)/host/tests/bench/%: $(BUILD)/host/tests/bench/%.o $(BUILD)/host/bench/buddy.o
	$(HOSTCC) $(HOST_LDFLAGS) $^ -o $@ -lcriterion

$(BUDDY_TSAN_BINS): $(BUILD)/tsan/tests/bench/%: $(BUILD)/tsan/tests/bench/%.o $(BUILD)/tsan/bench/buddy.o
	$(SAN_CC) -fsanitize=thread -pthread $^ -o $@ -lcriterion

# Criterion forks one process per test; each prints its own summary.
.PHONY: test-buddy test-buddy-tsan
test-buddy: $(BUDDY_HOST_BINS)
	@set -e; for t in $^; do echo "== $$t"; $$t --short-filename; done

# Clang 14's ThreadSanitizer aborts with "unexpected memory mapping" when the
# kernel randomizes mmap with more bits than it expects (vm.mmap_rnd_bits > 28
# on recent kernels); setarch -R runs the test without ASLR, which TSan's
# fixed shadow layout tolerates.
test-buddy-tsan: $(BUDDY_TSAN_BINS)
	@set -e; for t in $^; do echo "== $$t (tsan)"; \
		setarch "$$(uname -m)" -R $$t --short-filename; done

TEST_TARGETS += test-buddy test-buddy-tsan

help::
	@echo "  test-buddy     buddy baseline: unit and concurrency stress tests"
	@echo "  test-buddy-tsan  the same under ThreadSanitizer"
