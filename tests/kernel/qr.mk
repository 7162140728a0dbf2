# The kernel's QR encoder (kernel/lib/qr.c, qr_mask.c) on the host: every
# version and mask against python3-qrcode's matrix, and payloads decoded by
# zbarimg (tests/kernel/test_qr.py). qr_tool is built plain and with
# ASan+UBSan; the sanitized one runs the same checks. Fragment included by
# the top-level Makefile.

QR_SRCS := kernel/lib/qr.c kernel/lib/qr_mask.c tests/kernel/qr_tool.c
QR_TOOL := $(BUILD)/host/tests/kernel/qr_tool
QR_TOOL_ASAN := $(BUILD)/asan/tests/kernel/qr_tool

$(QR_TOOL): $(patsubst %.c,$(BUILD)/host/%.o,$(QR_SRCS))
	$(HOSTCC) $(HOST_LDFLAGS) $^ -o $@
$(QR_TOOL_ASAN): $(patsubst %.c,$(BUILD)/asan/%.o,$(QR_SRCS))
	$(SAN_CC) -fsanitize=address,undefined $(HOST_LDFLAGS) $^ -o $@

.PHONY: test-qr
test-qr: $(QR_TOOL) $(QR_TOOL_ASAN) $(patsubst %.c,$(BUILD)/kernel/%.o,kernel/lib/qr.c kernel/lib/qr_mask.c)
	$(PYTHON) tests/kernel/test_qr.py $(QR_TOOL)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 $(PYTHON) tests/kernel/test_qr.py $(QR_TOOL_ASAN) --roundtrips 20

TEST_TARGETS += test-qr

help::
	@echo "  test-qr        QR encoder: matrices equal python3-qrcode's (v1..40, L/M, all masks), zbarimg round trips"
