# llfree: build rules (fragment included by the top-level Makefile).
#
# LLFREE_SRCS is what the kernel compiles with its own flags and its own
# llfree_platform.h; the host libraries below use llfree/platform/host.

LLFREE_SRCS := $(wildcard llfree/src/*.c)
# The host platform's llfree_log (stderr with a prefix tests can set).
LLFREE_HOST_PLATFORM_SRCS := llfree/platform/host/log.c

LLFREE_HOST_OBJS := $(LLFREE_SRCS:%.c=$(BUILD)/host/%.o)
LLFREE_TSAN_OBJS := $(LLFREE_SRCS:%.c=$(BUILD)/tsan/%.o)
LLFREE_ASAN_OBJS := $(LLFREE_SRCS:%.c=$(BUILD)/asan/%.o)
LLFREE_COV_OBJS  := $(LLFREE_SRCS:%.c=$(BUILD)/cov/%.o)

# The library keeps its integer conversions explicit (STYLE.md).
$(LLFREE_HOST_OBJS): HOST_CFLAGS += -Wconversion
$(LLFREE_TSAN_OBJS): TSAN_CFLAGS += -Wconversion
$(LLFREE_ASAN_OBJS): ASAN_CFLAGS += -Wconversion
$(LLFREE_COV_OBJS):  COV_CFLAGS  += -Wconversion

$(BUILD)/host/libllfree.a: $(LLFREE_HOST_OBJS) $(LLFREE_HOST_PLATFORM_SRCS:%.c=$(BUILD)/host/%.o)
$(BUILD)/tsan/libllfree.a: $(LLFREE_TSAN_OBJS) $(LLFREE_HOST_PLATFORM_SRCS:%.c=$(BUILD)/tsan/%.o)
$(BUILD)/asan/libllfree.a: $(LLFREE_ASAN_OBJS) $(LLFREE_HOST_PLATFORM_SRCS:%.c=$(BUILD)/asan/%.o)
$(BUILD)/cov/libllfree.a:  $(LLFREE_COV_OBJS) $(LLFREE_HOST_PLATFORM_SRCS:%.c=$(BUILD)/cov/%.o)
$(BUILD)/host/libllfree.a $(BUILD)/tsan/libllfree.a $(BUILD)/asan/libllfree.a $(BUILD)/cov/libllfree.a:
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# Metadata size table (tools/llfree-meta.c).
$(BUILD)/llfree-meta: $(BUILD)/host/tools/llfree-meta.o $(BUILD)/host/libllfree.a
	$(HOSTCC) $(HOST_LDFLAGS) -o $@ $^
ALL_TARGETS += $(BUILD)/host/libllfree.a $(BUILD)/llfree-meta

# The library must build warning-free with both compilers, and freestanding
# against the example platform header with kernel-like flags (no libc).
LLFREE_WARN_FLAGS := -std=c11 -O2 -Wall -Wextra -Wconversion -Werror -Illfree/include
LLFREE_KERNEL_LIKE := -ffreestanding -fno-builtin -nostdinc -mno-red-zone -mno-sse -mno-mmx -mno-80387 -mcmodel=kernel -fno-pic

test-llfree-warnings: $(LLFREE_SRCS) $(wildcard llfree/src/*.h llfree/include/*.h llfree/platform/host/*.h)
	@mkdir -p $(BUILD)/llfree-warnings/example
	@cp llfree/include/llfree_platform_example.h $(BUILD)/llfree-warnings/example/llfree_platform.h
	@for cc in $(HOSTCC) $(SAN_CC); do for src in $(LLFREE_SRCS); do \
		$$cc $(LLFREE_WARN_FLAGS) -Illfree/platform/host -c $$src -o /dev/null || exit 1; \
		$$cc $(LLFREE_WARN_FLAGS) $(LLFREE_KERNEL_LIKE) -isystem "$$($$cc -print-file-name=include)" \
			-I$(BUILD)/llfree-warnings/example \
			-c $$src -o /dev/null || exit 1; \
	done; done
	@echo "test-llfree-warnings: llfree/src clean with $(HOSTCC) and $(SAN_CC) (host and freestanding)"

TEST_TARGETS += test-llfree-warnings
.PHONY: test-llfree-warnings

help::
	@echo "  test-llfree-warnings  llfree/src with -Wall -Wextra -Wconversion -Werror, gcc and clang"
	@echo "  $(BUILD)/llfree-meta    LLFree metadata bytes per memory size (--help)"
