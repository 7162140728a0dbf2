# tools/qrlog.py (summary QR codes back to log lines) on a real run's scans.
# Fragment included by the top-level Makefile.

.PHONY: test-qrlog
test-qrlog:
	$(PYTHON) tests/tools/test_qrlog.py

# Not in TEST_TARGETS: test-tools runs tests/tools/test_qrlog.py with the other tool tests.

help::
	@echo "  test-qrlog     tools/qrlog.py: scanned QR texts (any order, duplicates, CRLF, missing/corrupt parts) to log lines"
