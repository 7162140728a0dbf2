#!/usr/bin/env bash
# QEMU checks of what keeps a run on a real machine from hanging or resetting
# silently (issue 10, docs/hardware.md): each boots the PVH fast path with a
# self-test option or a QEMU monitor command and greps the serial log.
#
#   tests/qemu/hardware.sh [NAME...]     all checks, or only those named
#
# Logs: $BUILD/tests/qemu/hw-NAME.log. Exits 1 if any check failed.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGS=$BUILD/tests/qemu
LOG_PREFIX=hw-
RUN_ARGS=(--kernel)

# Without the CPUID hypervisor bit (as on a real CPU) the kernel must not touch
# port 0xf4 even though QEMU has the exit device there: it halts after its
# verdict and QEMU runs into the timeout (run-qemu.sh exit 2).
check_no_hypervisor_no_exit() {
	run no_hypervisor_no_exit 2 --cpu max,-hypervisor --timeout 5 &&
		expect '^DONE status=ok reason="boot complete"$' && pass
}

ALL=(no_hypervisor_no_exit)
run_checks "${@:-${ALL[@]}}"
summary "qemu hardware tests"
