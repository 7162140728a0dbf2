# tools: build rules (fragment included by the top-level Makefile).
#
#   make plots LOG="a.log b.log" [LOGY=1]   CSV of the logs, PNGs in a folder per log
#   make report LOG="a.log b.log" [REPORT_DIR=dir] [LOGY=1]
#                                           one HTML page (+ Markdown) of the logs
#   make test-tools                         the host tools' tests (tests/tools/)

PLOTS_DIR ?= $(BUILD)/plots
# LOGY=1: logarithmic time axis in the figures.
PLOT_FLAGS = $(if $(LOGY),--logy)

.PHONY: plots report test-tools
plots:
	@test -n "$(LOG)" || { echo "usage: make plots LOG=file.log [PLOTS_DIR=dir] [LOGY=1]  (several logs: LOG=\"a.log b.log\")"; exit 2; }
	@mkdir -p $(PLOTS_DIR)
	$(PYTHON) tools/logparse.py $(LOG) -o $(PLOTS_DIR)/results.csv
	$(PYTHON) tools/plot.py $(PLOT_FLAGS) $(PLOTS_DIR)/results.csv -o $(PLOTS_DIR)

# Default folder: build/report/<log names> (tools/report.py decides).
report:
	@test -n "$(LOG)" || { echo "usage: make report LOG=\"a.log b.log\" [REPORT_DIR=dir] [LOGY=1]"; exit 2; }
	$(PYTHON) tools/report.py $(PLOT_FLAGS) $(if $(REPORT_DIR),-o $(REPORT_DIR)) $(LOG)

# run-qemu.sh's tests boot the kernel (PVH and the UEFI ISO).
test-tools: kernel iso
	$(PYTHON) -m unittest discover -s tests/tools -p 'test_*.py'

TEST_TARGETS += test-tools

help::
	@echo "  plots LOG=...  benchmark log(s) -> $(PLOTS_DIR)/results.csv, PNG figures in $(PLOTS_DIR)/<log name>/ (LOGY=1: log scale)"
	@echo "  report LOG=... one self-contained HTML page and a Markdown twin of the log(s): build/report/<log names>/ (REPORT_DIR=..., LOGY=1)"
	@echo "  test-tools     the host tools (tests/tools/): logparse, plot, report (in headless chromium), capture, run-qemu.sh paths and terminal, usb-iso, deps.sh, make test output, compdb, check_layers.sh"

# compile_commands.json for editors (git-ignored): every compile command of
# `make all` and the test targets as make would run them (-B: all of them,
# -n: nothing is built or run), read by tools/compdb.py. One line: a line
# naming $(MAKE) runs even under make -n, and must not leave a .tmp behind.
.PHONY: compile_commands.json
compile_commands.json:
	$(MAKE) --no-print-directory -Bnk all $(TEST_TARGETS) 2>/dev/null | $(PYTHON) tools/compdb.py >$@.tmp && \
		mv -f $@.tmp $@

help::
	@echo "  compile_commands.json  compile commands of every build and test target, for editors (clangd)"
