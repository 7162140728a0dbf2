# tests/llfree: LLFree under contention (shared/design/llfree.md section 6).
# Concurrent stress cases (plain, ThreadSanitizer, ASan+UBSan), crash
# consistency with fork + SIGKILL, and line coverage of llfree/src.
# Fragment included by the top-level Makefile; the libraries come from
# llfree/llfree.mk.

LLSTRESS_SRCS  := $(sort $(wildcard tests/llfree/stress*.c)) tests/llfree/common_stress.c
LLCRASH_SRCS   := $(sort $(wildcard tests/llfree/crash*.c)) tests/llfree/common_stress.c
LLSTRESS_HOST  := $(BUILD)/host/tests/llfree/stress
LLSTRESS_TSAN  := $(BUILD)/tsan/tests/llfree/stress
LLSTRESS_ASAN  := $(BUILD)/asan/tests/llfree/stress
LLCRASH_HOST   := $(BUILD)/host/tests/llfree/crash

$(LLSTRESS_HOST): $(patsubst %.c,$(BUILD)/host/%.o,$(LLSTRESS_SRCS)) $(BUILD)/host/libllfree.a
	$(HOSTCC) $(HOST_LDFLAGS) $^ -o $@
$(LLCRASH_HOST): $(patsubst %.c,$(BUILD)/host/%.o,$(LLCRASH_SRCS)) $(BUILD)/host/libllfree.a
	$(HOSTCC) $(HOST_LDFLAGS) $^ -o $@
$(LLSTRESS_TSAN): $(patsubst %.c,$(BUILD)/tsan/%.o,$(LLSTRESS_SRCS)) $(BUILD)/tsan/libllfree.a
	$(SAN_CC) -fsanitize=thread $(HOST_LDFLAGS) $^ -o $@
$(LLSTRESS_ASAN): $(patsubst %.c,$(BUILD)/asan/%.o,$(LLSTRESS_SRCS)) $(BUILD)/asan/libllfree.a
	$(SAN_CC) -fsanitize=address,undefined $(HOST_LDFLAGS) $^ -o $@

# The same cases at 128 areas per tree (64 Ki frames per tree: tree counts
# past 16 bits, design 5.7), library and tests rebuilt at that geometry.
# Each source gets its own tree's include paths (host_includes, Makefile):
# the library's objects see llfree/ alone, as in every other build.
LLSTRESS_GEOM7 := $(BUILD)/stress-geom7/stress
$(BUILD)/stress-geom7/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -DLLFREE_AREAS_PER_TREE_SHIFT=7 $(call host_includes,$<) -MMD -MP -c $< -o $@
$(LLSTRESS_GEOM7): $(patsubst %.c,$(BUILD)/stress-geom7/%.o,$(LLSTRESS_SRCS) $(LLFREE_SRCS) \
		$(LLFREE_HOST_PLATFORM_SRCS))
	$(HOSTCC) $(HOST_LDFLAGS) $^ -o $@

# Test-hook builds (-DLLFREE_TEST_HOOKS, llfree/src/hooks.h; never the
# kernel): the library and the tests that define llfree_test_hook, plain and
# under ThreadSanitizer.
#  - build/hooks/stress: one_tree_frag with every count-in-transit window of
#    upper.c stretched (the hook yields): the spurious out-of-memory that
#    QEMU showed with two vCPUs in one tree only reproduces on the host this
#    way. It failed every run before the lower-level fallback (get_on_debt).
#  - progress (tests/llfree/progress.c): a thread parked inside a free while
#    the others must finish (lock-freedom), and 8 threads near full memory
#    counting spurious MEMORY per order (near_full.c).
# -Illfree/src: the tests include hooks.h; the library's own objects get
# only llfree/'s paths besides (host_includes).
LLHOOKS_CFLAGS  := -DLLFREE_TEST_HOOKS -Illfree/src
LLPROGRESS_SRCS := tests/llfree/progress.c tests/llfree/near_full.c tests/llfree/offline_race.c \
	tests/llfree/common_stress.c
LLHOOKS_LIB_SRCS := $(LLFREE_SRCS) $(LLFREE_HOST_PLATFORM_SRCS)
LLSTRESS_TRANSIT := $(BUILD)/hooks/stress
LLPROGRESS_HOST  := $(BUILD)/hooks/progress
LLPROGRESS_TSAN  := $(BUILD)/tsan-hooks/progress
LLPROGRESS_ASAN  := $(BUILD)/asan-hooks/progress
$(BUILD)/hooks/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) $(LLHOOKS_CFLAGS) $(call host_includes,$<) -MMD -MP -c $< -o $@
$(BUILD)/tsan-hooks/%.o: %.c
	@mkdir -p $(@D)
	$(SAN_CC) $(TSAN_CFLAGS) $(LLHOOKS_CFLAGS) $(call host_includes,$<) -MMD -MP -c $< -o $@
$(BUILD)/asan-hooks/%.o: %.c
	@mkdir -p $(@D)
	$(SAN_CC) $(ASAN_CFLAGS) $(LLHOOKS_CFLAGS) $(call host_includes,$<) -MMD -MP -c $< -o $@
$(LLSTRESS_TRANSIT): $(patsubst %.c,$(BUILD)/hooks/%.o,$(LLSTRESS_SRCS) $(LLHOOKS_LIB_SRCS))
	$(HOSTCC) $(HOST_LDFLAGS) $^ -o $@
$(LLPROGRESS_HOST): $(patsubst %.c,$(BUILD)/hooks/%.o,$(LLPROGRESS_SRCS) $(LLHOOKS_LIB_SRCS))
	$(HOSTCC) $(HOST_LDFLAGS) $^ -o $@
$(LLPROGRESS_TSAN): $(patsubst %.c,$(BUILD)/tsan-hooks/%.o,$(LLPROGRESS_SRCS) $(LLHOOKS_LIB_SRCS))
	$(SAN_CC) -fsanitize=thread $(HOST_LDFLAGS) $^ -o $@
$(LLPROGRESS_ASAN): $(patsubst %.c,$(BUILD)/asan-hooks/%.o,$(LLPROGRESS_SRCS) $(LLHOOKS_LIB_SRCS))
	$(SAN_CC) -fsanitize=address,undefined $(HOST_LDFLAGS) $^ -o $@

ALL_TARGETS += $(LLSTRESS_HOST) $(LLCRASH_HOST)

# Sanitizer runs: a fifth of the rounds, shorter time bound per case.
LLSTRESS_SAN_ENV := LLFREE_STRESS_SCALE=20 LLFREE_STRESS_MS=1500

.PHONY: test-llfree-stress test-llfree-tsan test-llfree-asan test-llfree-crash coverage-llfree \
	test-llfree-progress
# First the checker's self-test: an injected double hand-out and an
# overwritten signature must each fail the run with the right message.
test-llfree-stress: $(LLSTRESS_HOST) $(LLSTRESS_GEOM7) $(LLSTRESS_TRANSIT)
	@for fault in double:DUPLICATE overwrite:overwritten; do \
		out=$$(LLFREE_STRESS_INJECT=$${fault%%:*} $(LLSTRESS_HOST) mix 2>&1); \
		if [ $$? -eq 0 ] || ! grep -q "$${fault#*:}" <<<"$$out"; then \
			echo "$$out"; echo "stress checker missed an injected $${fault%%:*}"; exit 1; fi; \
		echo "stress self-test: injected $${fault%%:*} caught"; done
	$(LLSTRESS_HOST)
	LLFREE_STRESS_SCALE=50 LLFREE_STRESS_MS=1200 $(LLSTRESS_GEOM7)
	@for w in 0 1 2 3; do echo "LLFREE_STRESS_TRANSIT=$$w $(LLSTRESS_TRANSIT) one_tree_frag"; \
		LLFREE_STRESS_TRANSIT=$$w LLFREE_STRESS_MS=1500 $(LLSTRESS_TRANSIT) one_tree_frag || exit 1; done

# TSan maps its shadow at fixed addresses; on kernels with high mmap ASLR
# entropy (vm.mmap_rnd_bits > 28) it aborts with "unexpected memory
# mapping". setarch -R turns ASLR off for the run where it is allowed.
# halt_on_error: the first report fails the test (exit code 66).
test-llfree-tsan: $(LLSTRESS_TSAN)
	@norand=""; if setarch "$$(uname -m)" -R true 2>/dev/null; then \
		norand="setarch $$(uname -m) -R"; fi; \
	echo "$$norand $(LLSTRESS_TSAN)"; \
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 $$TSAN_OPTIONS" $(LLSTRESS_SAN_ENV) \
		$$norand $(LLSTRESS_TSAN)

test-llfree-asan: $(LLSTRESS_ASAN)
	ASAN_OPTIONS="detect_leaks=1:$$ASAN_OPTIONS" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:$$UBSAN_OPTIONS" \
	$(LLSTRESS_SAN_ENV) $(LLSTRESS_ASAN)

# First the accounting's self-test: a leaked frame and a lost logged frame
# (what a broken recovery would leave) must each fail the run.
test-llfree-crash: $(LLCRASH_HOST)
	@for fault in "leak:no log holds" "lose:is free after recovery"; do \
		out=$$(LLFREE_CRASH_INJECT=$${fault%%:*} LLFREE_CRASH_CYCLES=3 $(LLCRASH_HOST) 2>&1); \
		if [ $$? -eq 0 ] || ! grep -q "$${fault#*:}" <<<"$$out"; then \
			echo "$$out"; echo "crash accounting missed an injected $${fault%%:*}"; exit 1; fi; \
		echo "crash self-test: injected $${fault%%:*} caught"; done
	$(LLCRASH_HOST)

# Progress: parked threads (lock-free split, all-or-nothing huge frees),
# spurious MEMORY near full memory and trees offline under load; plain, under
# ThreadSanitizer and under Address+UB sanitizers.
test-llfree-progress: $(LLPROGRESS_HOST) $(LLPROGRESS_TSAN) $(LLPROGRESS_ASAN)
	LLFREE_PROGRESS_MS=700 $(LLPROGRESS_HOST)
	ASAN_OPTIONS="detect_leaks=1:$$ASAN_OPTIONS" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:$$UBSAN_OPTIONS" \
	LLFREE_PROGRESS_MS=300 $(LLPROGRESS_ASAN)
	@norand=""; if setarch "$$(uname -m)" -R true 2>/dev/null; then \
		norand="setarch $$(uname -m) -R"; fi; \
	echo "$$norand $(LLPROGRESS_TSAN)"; \
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 $$TSAN_OPTIONS" LLFREE_PROGRESS_MS=400 \
		$$norand $(LLPROGRESS_TSAN)

TEST_TARGETS += test-llfree-stress test-llfree-tsan test-llfree-asan test-llfree-crash \
	test-llfree-progress

# Coverage: the unit tests (tests/llfree/unit_*.c, one Criterion binary;
# llfree-unit.mk gives their objects -Illfree/src) and these tests, all
# against the gcov flavour of the library; gcovr reports line coverage of
# llfree/src. Counters are reset first, so the figure is this run's alone.
LLCOV_UNIT_SRCS := $(wildcard tests/llfree/unit_*.c)
LLCOV_UNIT   := $(BUILD)/cov/tests/llfree/unit
LLCOV_STRESS := $(BUILD)/cov/tests/llfree/stress
LLCOV_CRASH  := $(BUILD)/cov/tests/llfree/crash

$(LLCOV_UNIT): $(patsubst %.c,$(BUILD)/cov/%.o,$(LLCOV_UNIT_SRCS)) $(BUILD)/cov/libllfree.a
	$(HOSTCC) --coverage $(HOST_LDFLAGS) $^ -lcriterion -o $@
$(LLCOV_STRESS): $(patsubst %.c,$(BUILD)/cov/%.o,$(LLSTRESS_SRCS)) $(BUILD)/cov/libllfree.a
	$(HOSTCC) --coverage $(HOST_LDFLAGS) $^ -o $@
$(LLCOV_CRASH): $(patsubst %.c,$(BUILD)/cov/%.o,$(LLCRASH_SRCS)) $(BUILD)/cov/libllfree.a
	$(HOSTCC) --coverage $(HOST_LDFLAGS) $^ -o $@

coverage-llfree: $(LLCOV_UNIT) $(LLCOV_STRESS) $(LLCOV_CRASH)
	@find $(BUILD)/cov/llfree $(BUILD)/cov/tests/llfree -name '*.gcda' -delete 2>/dev/null; true
	$(LLCOV_UNIT) -j1 --short-filename
	LLFREE_STRESS_SCALE=20 LLFREE_STRESS_MS=1000 $(LLCOV_STRESS)
	LLFREE_CRASH_CYCLES=10 $(LLCOV_CRASH)
	gcovr --root . --filter 'llfree/src/' --object-directory $(BUILD)/cov $(BUILD)/cov

help::
	@echo "  test-llfree-stress  LLFree concurrent stress cases, 8 and 128 areas per tree (LLFREE_STRESS_SEED=... to reproduce)"
	@echo "  test-llfree-tsan    the stress cases under ThreadSanitizer"
	@echo "  test-llfree-asan    the stress cases under Address+UB sanitizers"
	@echo "  test-llfree-crash   LLFree: SIGKILL mid-run, RECOVER, account every frame"
	@echo "  test-llfree-progress  LLFree: parked threads must not stop others; spurious MEMORY near full; offline under load (plain, TSan, ASan)"
	@echo "  coverage-llfree     unit + stress + crash tests with gcov; line coverage of llfree/src"
