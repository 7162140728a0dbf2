# Kernel console and command line (kernel/lib/printf.c, kernel/cmdline.c):
# host unit tests, plain and under ASan+UBSan. The kernel-side behaviour
# (the same code on serial) is checked by tests/qemu/boot.sh.
# Binaries not named test_*: kernel-unit.mk links test_% by pattern.

CONSOLE_UNIT_NAMES := printf cmdline
CONSOLE_UNIT_BINS := $(foreach n,$(CONSOLE_UNIT_NAMES),$(BUILD)/host/tests/kernel/$(n)_unit \
	$(BUILD)/asan/tests/kernel/$(n)_unit)

$(BUILD)/host/tests/kernel/printf_unit: $(BUILD)/host/tests/kernel/test_printf.o $(BUILD)/host/kernel/lib/printf.o
	$(HOSTCC) $(HOST_LDFLAGS) $^ -lcriterion -o $@
$(BUILD)/asan/tests/kernel/printf_unit: $(BUILD)/asan/tests/kernel/test_printf.o $(BUILD)/asan/kernel/lib/printf.o
	$(SAN_CC) -fsanitize=address,undefined $(HOST_LDFLAGS) $^ -lcriterion -o $@
$(BUILD)/host/tests/kernel/cmdline_unit: $(BUILD)/host/tests/kernel/test_cmdline.o $(BUILD)/host/kernel/cmdline.o
	$(HOSTCC) $(HOST_LDFLAGS) $^ -lcriterion -o $@
$(BUILD)/asan/tests/kernel/cmdline_unit: $(BUILD)/asan/tests/kernel/test_cmdline.o $(BUILD)/asan/kernel/cmdline.o
	$(SAN_CC) -fsanitize=address,undefined $(HOST_LDFLAGS) $^ -lcriterion -o $@

.PHONY: test-console-unit
test-console-unit: $(CONSOLE_UNIT_BINS)
	@for b in $(CONSOLE_UNIT_BINS); do echo "$$b"; \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $$b --jobs 1 || exit 1; done

TEST_TARGETS += test-console-unit

help::
	@echo "  test-console-unit kernel printf and command-line parser on the host (+ASan/UBSan)"
