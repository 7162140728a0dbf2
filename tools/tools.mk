# tools: build rules (fragment included by the top-level Makefile).
#
#   make plots LOG=run.log [LOG2=...]   CSV and PNGs of any benchmark log(s)
#   make test-tools                     logparse.py and plot.py on recorded logs

PLOTS_DIR ?= $(BUILD)/plots

.PHONY: plots test-tools
plots:
	@test -n "$(LOG)" || { echo "usage: make plots LOG=file.log [PLOTS_DIR=dir]  (several logs: LOG=\"a.log b.log\")"; exit 2; }
	@mkdir -p $(PLOTS_DIR)
	$(PYTHON) tools/logparse.py $(LOG) -o $(PLOTS_DIR)/results.csv
	$(PYTHON) tools/plot.py $(PLOTS_DIR)/results.csv -o $(PLOTS_DIR)

test-tools:
	$(PYTHON) tests/tools/test_tools.py

TEST_TARGETS += test-tools

help::
	@echo "  plots LOG=...  benchmark log(s) -> $(PLOTS_DIR)/results.csv and PNG figures"
	@echo "  test-tools     log parser and plot script on recorded logs, compile_commands.json maker (tests/tools/)"

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
