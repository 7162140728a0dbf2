# ACPI table parsers (kernel/firmware/{acpi,madt,fadt,hpet,nfit,spcr}.c): host unit
# tests on crafted tables and on real QEMU tables, plain and under ASan+UBSan,
# plus the parsers' kernel objects (kernel/kernel.mk's rule and flags): they
# must build in both worlds.

ACPI_UNIT_SRCS  := kernel/firmware/acpi.c kernel/firmware/madt.c kernel/firmware/fadt.c \
                   kernel/firmware/hpet.c kernel/firmware/nfit.c \
                   kernel/firmware/spcr.c
ACPI_UNIT_TESTS := tests/kernel/test_acpi.c tests/kernel/test_acpi_scan.c tests/kernel/test_fadt_hpet.c \
                   tests/kernel/test_madt.c tests/kernel/test_nfit.c \
                   tests/kernel/test_acpi_qemu.c tests/kernel/test_acpi_fuzz.c tests/kernel/test_spcr.c \
                   tests/kernel/acpi_builder.c

# Not named test_*: kernel-unit.mk links $(BUILD)/*/tests/kernel/test_% by pattern.
ACPI_UNIT_BIN      := $(BUILD)/host/tests/kernel/acpi_unit
ACPI_UNIT_ASAN_BIN := $(BUILD)/asan/tests/kernel/acpi_unit

$(ACPI_UNIT_BIN): $(patsubst %.c,$(BUILD)/host/%.o,$(ACPI_UNIT_SRCS) $(ACPI_UNIT_TESTS))
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_LDFLAGS) -o $@ $^ -lcriterion

$(ACPI_UNIT_ASAN_BIN): $(patsubst %.c,$(BUILD)/asan/%.o,$(ACPI_UNIT_SRCS) $(ACPI_UNIT_TESTS))
	@mkdir -p $(@D)
	$(SAN_CC) -fsanitize=address,undefined -pthread -o $@ $^ -lcriterion

# The same sources as the kernel compiles them (freestanding, no SSE, kernel code model).
ACPI_KERNEL_OBJS := $(patsubst %.c,$(BUILD)/kernel/%.o,$(ACPI_UNIT_SRCS))

.PHONY: test-acpi-unit
test-acpi-unit: $(ACPI_UNIT_BIN) $(ACPI_UNIT_ASAN_BIN) $(ACPI_KERNEL_OBJS)
	$(ACPI_UNIT_BIN) --jobs 1
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(ACPI_UNIT_ASAN_BIN) --jobs 1

TEST_TARGETS += test-acpi-unit

help::
	@echo "  test-acpi-unit ACPI RSDP/RSDT/XSDT, MADT, FADT, HPET, NFIT, SPCR parsers on crafted tables (+ASan/UBSan)"
