# tools/qrlog.py (summary QR codes back to log lines) on a real run's scans.
# Fragment included by the top-level Makefile.

.PHONY: test-qrlog
test-qrlog:
	$(PYTHON) tests/tools/test_qrlog.py

TEST_TARGETS += test-qrlog

help::
	@echo "  test-qrlog     tools/qrlog.py: scanned QR texts (any order, duplicates, CRLF, missing/corrupt parts) to log lines"
