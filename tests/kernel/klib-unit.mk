# Kernel library code on the host, plain and under ASan+UBSan: printf
# (kernel/lib/printf.c), the command-line parser (kernel/cmdline.c), the
# 128-bit division helpers (kernel/lib/int128.c), the TSC frequency from
# CPUID and MSR values (kernel/arch/tsc_freq.c), console= values
# (kernel/console_spec.c), the CPU identification of the ENV lines
# (bench/cpu_ident.c, shared with the host program). Their kernel-side use (the same code on serial)
# is checked by tests/qemu/boot.sh.
# Binaries not named test_*: kernel-unit.mk links test_% by pattern.

KLIB_UNIT_NAMES := printf cmdline int128 tsc_freq console_spec cpu_ident
KLIB_UNIT_BINS := $(foreach n,$(KLIB_UNIT_NAMES),$(BUILD)/host/tests/kernel/$(n)_unit \
	$(BUILD)/asan/tests/kernel/$(n)_unit)
# What each test links besides itself.
KLIB_UNIT_printf := kernel/lib/printf
KLIB_UNIT_cmdline := kernel/cmdline kernel/lib/printf tests/kernel/kprintf_capture
KLIB_UNIT_int128 := kernel/lib/int128
KLIB_UNIT_tsc_freq := kernel/arch/tsc_freq
KLIB_UNIT_console_spec := kernel/console_spec kernel/cmdline kernel/lib/printf tests/kernel/kprintf_capture
KLIB_UNIT_cpu_ident := bench/cpu_ident

define KLIB_UNIT_RULES
$(BUILD)/host/tests/kernel/$(1)_unit: $(BUILD)/host/tests/kernel/test_$(1).o $(patsubst %,$(BUILD)/host/%.o,$(KLIB_UNIT_$(1)))
	$$(HOSTCC) $$(HOST_LDFLAGS) $$^ -lcriterion -o $$@
$(BUILD)/asan/tests/kernel/$(1)_unit: $(BUILD)/asan/tests/kernel/test_$(1).o $(patsubst %,$(BUILD)/asan/%.o,$(KLIB_UNIT_$(1)))
	$$(SAN_CC) -fsanitize=address,undefined $$(HOST_LDFLAGS) $$^ -lcriterion -o $$@
endef
$(foreach n,$(KLIB_UNIT_NAMES),$(eval $(call KLIB_UNIT_RULES,$(n))))

.PHONY: test-klib-unit
test-klib-unit: $(KLIB_UNIT_BINS)
	@for b in $(KLIB_UNIT_BINS); do echo "$$b"; \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $$b --jobs 1 || exit 1; done

TEST_TARGETS += test-klib-unit

help::
	@echo "  test-klib-unit kernel printf, command-line parser, 128-bit division, TSC frequency, console=, CPU identification on the host (+ASan/UBSan)"
