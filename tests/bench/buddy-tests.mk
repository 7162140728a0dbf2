# Buddy baseline tests (fragment included by the top-level Makefile): unit
# tests and the concurrency stress test, plain and under Address+UB
# sanitizer (test-buddy), and the stress test under ThreadSanitizer
# (test-buddy-tsan).

BUDDY_TESTS := test_buddy test_buddy_stress
BUDDY_HOST_BINS := $(addprefix $(BUILD)/host/tests/bench/,$(BUDDY_TESTS))
BUDDY_ASAN_BINS := $(addprefix $(BUILD)/asan/tests/bench/,$(BUDDY_TESTS))
# Under TSan the stress test builds as a plain program (Criterion's process
# arena does not start under TSan; see the top of test_buddy_stress.c). The
# unit tests are single-threaded: nothing for TSan to find.
BUDDY_TSAN_BIN := $(BUILD)/tsan/tests/bench/test_buddy_stress

$(BUDDY_HOST_BINS): $(BUILD)/host/tests/bench/%: $(BUILD)/host/tests/bench/%.o $(BUDDY_SRCS:%.c=$(BUILD)/host/%.o)
	$(HOSTCC) $(HOST_LDFLAGS) $^ -o $@ -lcriterion

$(BUDDY_ASAN_BINS): $(BUILD)/asan/tests/bench/%: $(BUILD)/asan/tests/bench/%.o $(BUDDY_SRCS:%.c=$(BUILD)/asan/%.o)
	$(SAN_CC) -fsanitize=address,undefined -pthread $^ -o $@ -lcriterion

$(BUDDY_TSAN_BIN): $(BUILD)/tsan/tests/bench/test_buddy_stress.o $(BUDDY_SRCS:%.c=$(BUILD)/tsan/%.o)
	$(SAN_CC) -fsanitize=thread -pthread $^ -o $@

.PHONY: test-buddy test-buddy-tsan
test-buddy: $(BUDDY_HOST_BINS) $(BUDDY_ASAN_BINS)
	@set -e; for t in $^; do echo "== $$t"; $$t --short-filename; done

# Clang 14's ThreadSanitizer aborts with "unexpected memory mapping" when the
# kernel randomizes mmap with more bits than its fixed shadow layout expects
# (vm.mmap_rnd_bits above 28 on recent kernels); setarch -R turns address
# randomization off for the test, which TSan's layout tolerates. Where the
# personality call is not allowed (some containers), run it as it is.
test-buddy-tsan: $(BUDDY_TSAN_BIN)
	@echo "== $< (tsan)"; norand=""; \
	if setarch "$$(uname -m)" -R true 2>/dev/null; then norand="setarch $$(uname -m) -R"; fi; \
	$$norand $<

TEST_TARGETS += test-buddy test-buddy-tsan

help::
	@echo "  test-buddy     buddy baseline: unit and concurrency stress tests, plain and ASan+UBSan"
	@echo "  test-buddy-tsan  buddy concurrency stress test under ThreadSanitizer"
