# tests/bench: the portable benchmarks on the host (fragment included by the top-level Makefile).
#
#   make test-bench   options, formatter, rand.h's sequences, and a tiny run of every benchmark and
#                     allocator (plain, ASan+UBSan, ThreadSanitizer), plus a
#                     freestanding compile of what the kernel builds (no libc),
#                     and the host program's flags (test_host.sh)

BENCH_TEST_SRCS := tests/bench/test_bench.c tests/bench/test_bench_options.c tests/bench/test_bench_frag.c \
	tests/bench/bench_capture.c tests/bench/test_rand.c bench/host/env.c $(BENCH_KERNEL_SRCS)

$(BUILD)/tests/test-bench: $(BENCH_TEST_SRCS:%.c=$(BUILD)/host/%.o) $(BUILD)/host/libllfree.a
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_LDFLAGS) -o $@ $^ -lcriterion

$(BUILD)/tests/test-bench-asan: $(BENCH_TEST_SRCS:%.c=$(BUILD)/asan/%.o) $(BUILD)/asan/libllfree.a
	@mkdir -p $(@D)
	$(SAN_CC) -fsanitize=address,undefined -pthread -o $@ $^ -lcriterion

# Criterion does not start under ThreadSanitizer: the host program runs every
# benchmark and allocator on a small region instead (default cores: all CPUs).
BENCH_TSAN_SRCS := $(BENCH_KERNEL_SRCS) $(BENCH_HOST_SRCS)
$(BUILD)/tests/llfree-bench-tsan: $(BENCH_TSAN_SRCS:%.c=$(BUILD)/tsan/%.o) $(BUILD)/tsan/libllfree.a
	@mkdir -p $(@D)
	$(SAN_CC) -fsanitize=thread -pthread -o $@ $^

.PHONY: test-bench-tsan
test-bench-tsan: $(BUILD)/tests/llfree-bench-tsan
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" $(BUILD)/tests/llfree-bench-tsan --memory=16M \
	  --bench=bulk,repeat,rand,frag --alloc=llfree,buddy,list --iterations=2 --rounds=3 >/dev/null

# The kernel compiles BENCH_KERNEL_SRCS without libc: only these may stay undefined.
# Include paths as the layers allow (bench/ and LLFree's public headers), no kernel directory.
BENCH_FREESTANDING := -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(HOSTCC) -print-file-name=include) -mno-red-zone -mno-sse -mno-mmx \
	-mno-80387 -mcmodel=kernel -fno-pic $(HOST_INCLUDES_bench)
BENCH_ALLOWED_UNDEFINED := ^(llfree_|memset$$|memcpy$$|memmove$$|memcmp$$|strlen$$|strcmp$$|strncmp$$)

.PHONY: test-bench test-bench-freestanding
BENCH_FS_OBJS := $(patsubst bench/%.c,$(BUILD)/bench-freestanding/%.o,$(BENCH_KERNEL_SRCS))
$(BUILD)/bench-freestanding/%.o: bench/%.c
	@mkdir -p $(@D)
	$(HOSTCC) $(BENCH_FREESTANDING) -MMD -MP -c $< -o $@

# Linked together, what remains undefined is what the kernel must provide.
test-bench-freestanding: $(BENCH_FS_OBJS)
	@ld -r -o $(BUILD)/bench-freestanding/bench-all.o $(BENCH_FS_OBJS)
	@bad=$$(nm -u $(BUILD)/bench-freestanding/bench-all.o | awk '{print $$2}' | grep -Ev '$(BENCH_ALLOWED_UNDEFINED)'); \
	if [ -n "$$bad" ]; then echo "bench sources need symbols the kernel lacks:" $$bad; exit 1; fi
	@echo "test-bench-freestanding: $(BENCH_KERNEL_SRCS) build without libc"

test-bench: $(BUILD)/tests/test-bench $(BUILD)/tests/test-bench-asan test-bench-freestanding \
	    $(BUILD)/llfree-bench
	$(BUILD)/tests/test-bench --jobs 1
	$(BUILD)/tests/test-bench-asan --jobs 1
	tests/bench/test_host.sh $(BUILD)/llfree-bench
	@$(MAKE) --no-print-directory test-bench-tsan

TEST_TARGETS += test-bench

help::
	@echo "  test-bench     benchmark options, formatter, tiny runs of every benchmark (plain, ASan, TSan), freestanding build"
