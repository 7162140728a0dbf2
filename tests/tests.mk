# tests: build rules (fragment included by the top-level Makefile).
