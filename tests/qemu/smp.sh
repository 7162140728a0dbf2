#!/bin/bash
# One SMP boot check: boot QEMU with N CPUs and SIZE of RAM, the stress test on,
# and require every CPU online, the stress test ok, LLFree's MEM line and
# DONE status=ok.
#
#   tests/qemu/smp.sh NAME SMP MEM MODE [KERNEL ARGS...]
#     MODE: kernel (fast PVH path), bios (ISO + SeaBIOS) or uefi (ISO + OVMF)
#
# Environment: BUILD (default build), SMP_TIMEOUT (seconds, default 120),
#   SMP_CPUS (CPUs expected online, default SMP), SMP_TSC_SOURCE (expected
#   tsc_source, default any), SMP_QEMU (more run-qemu.sh options, e.g.
#   "--machine pc --qemu-arg -no-acpi"), SMP_TSC_HZ (tsc_hz must be within
#   0.5 % of it: under TCG every reference measures the same host TSC).
# Log: $BUILD/tests/qemu/smp-NAME.log. Exits 1 if the check failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGS=$BUILD/tests/qemu
LOG_PREFIX=smp-

name=$1 smp=$2 mem=$3 mode=$4
shift 4
cpus=${SMP_CPUS:-$smp}
source=${SMP_TSC_SOURCE:-[a-z0-9]+}
read -r -a extra <<<"${SMP_QEMU:-}"

case $mode in
kernel) boot=(--kernel) ;;
bios) boot=() ;;
uefi) boot=(--uefi) ;;
*) echo "smp.sh: unknown mode $mode" >&2; exit 64 ;;
esac

run "$name" 0 "${boot[@]}" "${extra[@]}" --smp "$smp" --mem "$mem" --timeout "${SMP_TIMEOUT:-120}" -- "$@" &&
	expect '^DONE status=ok' "^CPU found=$cpus online=$cpus failed=none " \
		"^ENV .*tsc_hz=[1-9][0-9]* tsc_source=$source .*cpus=$cpus( |$)" \
		'^MEM usable_bytes=[1-9][0-9]* managed_frames=[1-9][0-9]* free_frames=[1-9][0-9]* ' || exit 1
if [ -n "${SMP_TSC_HZ:-}" ]; then
	hz=$(field ENV tsc_hz)
	((hz * 1000 > SMP_TSC_HZ * 995 && hz * 1000 < SMP_TSC_HZ * 1005)) ||
		{ fail "tsc_hz=$hz is more than 0.5 % away from $SMP_TSC_HZ"; exit 1; }
fi
stress=1
for arg in "$@"; do
	[[ $arg == stress=0 ]] && stress=0
done
detail="start_us=$(field CPU start_us) tsc_source=$(field ENV tsc_source)"
if ((stress)); then
	expect "^TEST name=stress cores=$cpus result=ok " || exit 1
	for key in allocs handoffs exhaust_allocs time_us; do
		detail+=" $key=$(field 'TEST name=stress' "$key")"
	done
fi
pass "smp=$smp mem=$mem $mode: $detail"
