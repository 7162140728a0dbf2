# LLFree single-threaded unit tests (Criterion), under ASan+UBSan, plus the
# same tests at a second tree geometry (32 areas per tree).

LLFREE_UNIT_SRCS := $(wildcard tests/llfree/unit_*.c)
LLFREE_UNIT_ASAN_OBJS := $(LLFREE_UNIT_SRCS:%.c=$(BUILD)/asan/%.o)
LLFREE_UNIT_COV_OBJS  := $(LLFREE_UNIT_SRCS:%.c=$(BUILD)/cov/%.o)
# White-box tests reach the levels' headers (the cov objects are linked by
# coverage-llfree in llfree-stress.mk).
$(LLFREE_UNIT_ASAN_OBJS) $(LLFREE_UNIT_COV_OBJS): HOST_INCLUDES += -Illfree/src

$(BUILD)/llfree-unit: $(LLFREE_UNIT_ASAN_OBJS) $(BUILD)/asan/libllfree.a
	$(SAN_CC) -fsanitize=address,undefined $(HOST_LDFLAGS) -o $@ $^ -lcriterion

# Geometry 5 (32 areas per tree, the paper's 64 MiB trees): library and tests
# rebuilt, each source with its own tree's include paths (host_includes) and
# llfree/src (the white-box tests' levels; the library's own directory).
LLFREE_GEOM5_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -pthread -D_GNU_SOURCE \
	-DLLFREE_AREAS_PER_TREE_SHIFT=5
LLFREE_GEOM5_OBJS := $(LLFREE_SRCS:%.c=$(BUILD)/llfree-geom5/%.o) \
	$(LLFREE_HOST_PLATFORM_SRCS:%.c=$(BUILD)/llfree-geom5/%.o) \
	$(LLFREE_UNIT_SRCS:%.c=$(BUILD)/llfree-geom5/%.o)
$(BUILD)/llfree-geom5/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(LLFREE_GEOM5_CFLAGS) $(call host_includes,$<) -Illfree/src -MMD -MP -c $< -o $@
$(BUILD)/llfree-unit-geom5: $(LLFREE_GEOM5_OBJS)
	$(HOSTCC) $(HOST_LDFLAGS) -o $@ $^ -lcriterion

test-llfree-unit: $(BUILD)/llfree-unit $(BUILD)/llfree-unit-geom5
	$(BUILD)/llfree-unit --jobs 2
	$(BUILD)/llfree-unit-geom5 --jobs 2

TEST_TARGETS += test-llfree-unit
.PHONY: test-llfree-unit

help::
	@echo "  test-llfree-unit      LLFree unit tests (ASan+UBSan, and 32 areas per tree)"
