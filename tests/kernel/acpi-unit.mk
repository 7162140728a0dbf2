# ACPI table parsers (kernel/firmware/{acpi,madt,fadt,hpet,nfit}.c): host unit
# tests on crafted tables, plain and under ASan+UBSan, plus a freestanding
# compile of the parsers with kernel-like flags (they must build in both worlds).

ACPI_UNIT_SRCS  := kernel/firmware/acpi.c kernel/firmware/madt.c kernel/firmware/fadt.c \
                   kernel/firmware/hpet.c kernel/firmware/nfit.c
ACPI_UNIT_TESTS := tests/kernel/test_acpi.c tests/kernel/test_madt.c tests/kernel/test_nfit.c \
                   tests/kernel/test_acpi_qemu.c \
                   tests/kernel/acpi_builder.c

ACPI_UNIT_BIN      := $(BUILD)/host/tests/kernel/test_acpi_unit
ACPI_UNIT_ASAN_BIN := $(BUILD)/asan/tests/kernel/test_acpi_unit

$(ACPI_UNIT_BIN): $(patsubst %.c,$(BUILD)/host/%.o,$(ACPI_UNIT_SRCS) $(ACPI_UNIT_TESTS))
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_LDFLAGS) -o $@ $^ -lcriterion

$(ACPI_UNIT_ASAN_BIN): $(patsubst %.c,$(BUILD)/asan/%.o,$(ACPI_UNIT_SRCS) $(ACPI_UNIT_TESTS))
	@mkdir -p $(@D)
	$(SAN_CC) -fsanitize=address,undefined -pthread -o $@ $^ -lcriterion

# Freestanding: no libc headers beyond the compiler's own, no SSE, kernel code model.
ACPI_FREESTANDING_CFLAGS := -std=c11 -O2 -ffreestanding -fno-builtin -nostdlib -mno-red-zone \
                            -mgeneral-regs-only -mcmodel=kernel -fno-pic -Wall -Wextra -Werror -Ikernel
ACPI_FREESTANDING_OBJS := $(patsubst %.c,$(BUILD)/acpi-freestanding/%.o,$(ACPI_UNIT_SRCS))

$(BUILD)/acpi-freestanding/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(ACPI_FREESTANDING_CFLAGS) -MMD -MP -c $< -o $@

.PHONY: test-acpi-unit
test-acpi-unit: $(ACPI_UNIT_BIN) $(ACPI_UNIT_ASAN_BIN) $(ACPI_FREESTANDING_OBJS)
	$(ACPI_UNIT_BIN) --jobs 1
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(ACPI_UNIT_ASAN_BIN) --jobs 1

TEST_TARGETS += test-acpi-unit

help::
	@echo "  test-acpi-unit ACPI RSDP/RSDT/XSDT, MADT, FADT, HPET, NFIT parsers on crafted tables (+ASan/UBSan)"
