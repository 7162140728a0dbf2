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
set -u
name=$1 smp=$2 mem=$3 mode=$4
shift 4
build=${BUILD:-build}
timeout=${SMP_TIMEOUT:-120}
cpus=${SMP_CPUS:-$smp}
source=${SMP_TSC_SOURCE:-[a-z0-9]+}
read -r -a extra <<<"${SMP_QEMU:-}"
log="$build/tests/qemu/smp-$name.log"
mkdir -p "$(dirname "$log")"

case $mode in
kernel) boot=(--kernel) ;;
bios) boot=() ;;
uefi) boot=(--uefi) ;;
*) echo "smp.sh: unknown mode $mode" >&2; exit 64 ;;
esac

start=$(date +%s%N)
./run-qemu.sh --no-build --quiet "${boot[@]}" "${extra[@]}" --smp "$smp" --mem "$mem" --timeout "$timeout" --log "$log.raw" \
	-- "$@" >/dev/null 2>&1
rc=$?
# OVMF shares COM1 and ends lines with CR: check a cleaned copy.
tr -d '\r' <"$log.raw" >"$log" 2>/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
secs="$((ms / 1000)).$((ms % 1000 / 100))"

fail() {
	echo "FAIL smp-$name (smp=$smp mem=$mem $mode, ${secs}s, run-qemu.sh exit $rc): $*"
	echo "---- last lines of $log ----"
	tail -n 25 "$log" 2>/dev/null
	exit 1
}

[ -f "$log" ] || fail "no log"
grep -q "^DONE status=ok" "$log" || fail "no DONE status=ok"
[ "$rc" -eq 0 ] || fail "run-qemu.sh failed"
grep -Eq "^CPU found=$cpus online=$cpus failed=none " "$log" ||
	fail "expected CPU found=$cpus online=$cpus failed=none, got: $(grep '^CPU ' "$log")"
grep -Eq "^ENV .*tsc_hz=[1-9][0-9]* tsc_source=$source .*cpus=$cpus( |$)" "$log" ||
	fail "expected ENV with tsc_hz, tsc_source=$source, cpus=$cpus; got: $(grep '^ENV ' "$log")"
if [ -n "${SMP_TSC_HZ:-}" ]; then
	hz=$(grep -o '^ENV .*tsc_hz=[0-9]*' "$log" | grep -o '[0-9]*$')
	((hz * 1000 > SMP_TSC_HZ * 995 && hz * 1000 < SMP_TSC_HZ * 1005)) ||
		fail "tsc_hz=$hz is more than 0.5 % away from $SMP_TSC_HZ"
fi
grep -Eq "^MEM usable_bytes=[1-9][0-9]* managed_frames=[1-9][0-9]* free_frames=[1-9][0-9]* " "$log" ||
	fail "no MEM line from LLFree"
if ! printf '%s\n' "$@" | grep -q '^stress=0$'; then
	grep -Eq "^TEST name=stress cores=$cpus result=ok " "$log" ||
		fail "expected TEST name=stress cores=$cpus result=ok, got: $(grep '^TEST ' "$log")"
fi
echo "ok   smp-$name (smp=$smp mem=$mem $mode, ${secs}s): $(grep -o 'start_us=[0-9]*' "$log")" \
	"$(grep -o 'tsc_source=[a-z0-9]*' "$log")$(grep '^TEST name=stress' "$log" |
		grep -o ' allocs=[0-9]*\| handoffs=[0-9]*\| exhaust_allocs=[0-9]*\| time_us=[0-9]*' | tr -d '\n')"
