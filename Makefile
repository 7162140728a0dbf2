# llfree-kernel: top-level build.
#
# Each component keeps its rules in a fragment next to its sources and adds
# its test targets to TEST_TARGETS; `make test` runs them all in order.
#
#   make            build the kernel, the ISO and the host programs
#   make test       install missing Debian packages (as root), then run every suite
#                   (one line per suite; V=1 shows their output)
#   make help       list the targets

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD    ?= build
HOSTCC   ?= gcc
NASM     ?= nasm
# The first python3 on PATH may be a separate build that does not see
# Debian's packages (python3-matplotlib); the tools use Debian's.
PYTHON   ?= /usr/bin/python3

# Host programs and tests: the library and the benchmarks build unchanged
# for the host with pthreads.
HOST_CFLAGS  ?= -std=c11 -O2 -g -Wall -Wextra -Werror -pthread -D_GNU_SOURCE
HOST_LDFLAGS ?= -pthread

ALL_TARGETS  :=
TEST_TARGETS :=

# Include paths follow the layers (boot -> kernel -> bench -> llfree): a
# file in llfree/ or bench/ sees its own tree and the trees below it, never
# the kernel, so an include of a kernel header does not compile there
# (tools/check_layers.sh, `make test-layers`, checks the include lines).
# The kernel's portable modules (memory map, multiboot2, ACPI parsing) see
# all three; so do tests and tools (HOST_INCLUDES, which test fragments
# extend per target).
HOST_INCLUDES_llfree := -Illfree/include -Illfree/platform/host
HOST_INCLUDES_bench  := -Ibench -Illfree/include
HOST_INCLUDES := -Illfree/include -Illfree/platform/host -Ikernel -Ibench
# The include flags of source $(1): its tree's, else HOST_INCLUDES.
host_includes = $(or $(HOST_INCLUDES_$(firstword $(subst /, ,$(1)))),$(HOST_INCLUDES))

# Host objects in four flavours: plain, ThreadSanitizer, Address+UB
# sanitizer, and gcov coverage. A fragment links what it needs from these.
SAN_CC      ?= clang
TSAN_CFLAGS ?= -std=c11 -O1 -g -fsanitize=thread -Wall -Wextra -Werror -pthread -D_GNU_SOURCE
ASAN_CFLAGS ?= -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -Wall -Wextra -Werror -pthread -D_GNU_SOURCE
COV_CFLAGS  ?= -std=c11 -O0 -g --coverage -Wall -Wextra -Werror -pthread -D_GNU_SOURCE

$(BUILD)/host/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) $(call host_includes,$<) -MMD -MP -c $< -o $@
$(BUILD)/tsan/%.o: %.c
	@mkdir -p $(@D)
	$(SAN_CC) $(TSAN_CFLAGS) $(call host_includes,$<) -MMD -MP -c $< -o $@
$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(SAN_CC) $(ASAN_CFLAGS) $(call host_includes,$<) -MMD -MP -c $< -o $@
$(BUILD)/cov/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(COV_CFLAGS) $(call host_includes,$<) -MMD -MP -c $< -o $@

# Fragments add their own lines with `help::`.
help::
	@echo "targets:"
	@echo "  all            kernel, ISO and host programs"
	@echo "  test           every test suite, one line each (V=1: all output; logs in $(TEST_LOGS)/): $(TEST_TARGETS)"
	@echo "  deps           install missing Debian packages (as root) or print the command"
	@echo "  test-repeat    every host suite (or SUITES="...") N times in a row (N=$(N)), stops at the first failure"
	@echo "  clean          remove $(BUILD)/"

# The layers on the include lines of llfree/ and bench/ (tools/check_layers.sh;
# tests/tools/test_check_layers.py shows that it catches planted includes),
# then on the include paths of every build of them that make knows: the
# commands `make -n -B` prints for these targets (the kernel, the host
# library in each flavour, the test-hook and other-geometry rebuilds, the
# benchmark programs, the freestanding bench compile). Nothing is built.
LAYER_BUILDS = $(KERNEL_ELF) $(foreach f,host tsan asan cov,$(BUILD)/$(f)/libllfree.a) \
	$(LLSTRESS_GEOM7) $(LLSTRESS_TRANSIT) $(LLPROGRESS_HOST) $(LLPROGRESS_TSAN) $(LLPROGRESS_ASAN) \
	$(BUILD)/llfree-unit-geom5 $(BUILD)/llfree-bench $(BUILD)/tests/test-bench-asan \
	$(BUILD)/tests/llfree-bench-tsan $(BENCH_FS_OBJS)
.PHONY: test-layers
test-layers:
	@tools/check_layers.sh
	@set -o pipefail; $(MAKE) --no-print-directory -n -B $(LAYER_BUILDS) | tools/check_layers.sh --compile-lines
TEST_TARGETS += test-layers
help::
	@echo "  test-layers    llfree/ and bench/ include only their own tree, the layers below and C's freestanding headers; no build gives them another include path"

# Every component's fragment: llfree/, bench/, kernel/, tests/<suite>/, tools/.
include $(sort $(wildcard llfree/*.mk bench/*.mk kernel/*.mk tests/*/*.mk tools/*.mk))
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: all test deps clean help
all: $(ALL_TARGETS)

# Dependencies first, then every suite in order; the first failure stops the
# run. One line per suite: its output goes to $(BUILD)/test-logs/<suite>.log,
# and a failure prints that log's tail and its path. V=1 shows everything.
TEST_LOGS := $(BUILD)/test-logs
test: deps
ifeq ($(V),1)
	@$(MAKE) --no-print-directory $(TEST_TARGETS)
else
	@mkdir -p $(TEST_LOGS); start=$$(date +%s); \
	for t in $(TEST_TARGETS); do \
		s=$$(date +%s); \
		if $(MAKE) --no-print-directory $$t >$(TEST_LOGS)/$$t.log 2>&1; then \
			printf '%-22s ok    %4d s\n' $$t $$(($$(date +%s) - s)); \
		else \
			printf '%-22s FAIL  %4d s\n' $$t $$(($$(date +%s) - s)); \
			echo "---- last 40 lines of $(TEST_LOGS)/$$t.log:"; tail -n 40 $(TEST_LOGS)/$$t.log; \
			echo "make test: $$t failed; its whole output: $(abspath $(TEST_LOGS))/$$t.log"; exit 1; \
		fi; \
	done; echo "make test: $$(($$(date +%s) - start)) s"
endif
	@echo "make test: all suites passed ($(TEST_TARGETS))"

deps:
	@tools/deps.sh build test qemu

# A flaky test is a defect: run every host suite (not the QEMU boots) N times
# in a row, stop at the first failure and name the suite and the run. Each
# run's output goes to $(BUILD)/test-repeat/<suite>.log; a failure prints it.
# SUITES="test-kernel-unit test-bench" repeats only those.
N ?= 20
HOST_TEST_TARGETS = $(filter-out test-qemu-%,$(TEST_TARGETS))
SUITES ?= $(HOST_TEST_TARGETS)
.PHONY: test-repeat
test-repeat: deps
	@$(MAKE) --no-print-directory $(SUITES) >/dev/null
	@mkdir -p $(BUILD)/test-repeat
	@for t in $(SUITES); do \
		for i in $$(seq 1 $(N)); do \
			if ! $(MAKE) --no-print-directory $$t >$(BUILD)/test-repeat/$$t.log 2>&1; then \
				cat $(BUILD)/test-repeat/$$t.log; \
				echo "test-repeat: $$t failed in run $$i of $(N)"; exit 1; fi; \
		done; echo "test-repeat: $$t passed $(N) of $(N)"; done

clean:
	rm -rf $(BUILD)
