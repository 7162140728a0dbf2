# tests/llfree: the differential test against a reference model (model.h),
# under ASan+UBSan. `make test-llfree-model` runs every size for a few
# thousand calls (seconds); test-llfree-model-long for 100 times as many.
# The self-test first builds the library with each planted bug of
# tests/llfree/model_plants.sh and requires the model test to fail.

LLMODEL_SRCS := tests/llfree/model.c tests/llfree/model_ops.c tests/llfree/common_stress.c
LLMODEL_ASAN := $(BUILD)/asan/tests/llfree/model

$(LLMODEL_ASAN): $(patsubst %.c,$(BUILD)/asan/%.o,$(LLMODEL_SRCS)) $(BUILD)/asan/libllfree.a
	$(SAN_CC) -fsanitize=address,undefined $(HOST_LDFLAGS) $^ -o $@

LLMODEL_ENV := ASAN_OPTIONS="detect_leaks=1:$$ASAN_OPTIONS" \
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:$$UBSAN_OPTIONS"

.PHONY: test-llfree-model test-llfree-model-long test-llfree-model-plants
test-llfree-model: $(LLMODEL_ASAN) test-llfree-model-plants
	$(LLMODEL_ENV) $(LLMODEL_ASAN)

test-llfree-model-long: $(LLMODEL_ASAN)
	$(LLMODEL_ENV) LLFREE_MODEL_OPS=300000 $(LLMODEL_ASAN)

test-llfree-model-plants: $(LLMODEL_SRCS) $(LLFREE_SRCS) $(wildcard llfree/src/*.h)
	@HOSTCC="$(HOSTCC)" BUILD="$(BUILD)" tests/llfree/model_plants.sh

TEST_TARGETS += test-llfree-model

help::
	@echo "  test-llfree-model   LLFree against a reference model: every call, many sizes (planted bugs first)"
	@echo "  test-llfree-model-long  the same, 100 times as many calls"
