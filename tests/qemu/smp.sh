#!/bin/bash
# One SMP boot check: boot QEMU with N CPUs and SIZE of RAM, the stress test on,
# and require every CPU online, the stress test ok, LLFree's MEM line and
# DONE status=ok.
#
#   tests/qemu/smp.sh NAME SMP MEM MODE [KERNEL ARGS...]
#     MODE: kernel (fast PVH path), bios (ISO + SeaBIOS) or uefi (ISO + OVMF)
#
# Environment: BUILD (default build), SMP_TIMEOUT (seconds, default 120).
set -u
name=$1 smp=$2 mem=$3 mode=$4
shift 4
build=${BUILD:-build}
timeout=${SMP_TIMEOUT:-120}
log="$build/tests/qemu/smp-$name.log"
mkdir -p "$(dirname "$log")"

case $mode in
kernel) boot=(--kernel) ;;
bios) boot=() ;;
uefi) boot=(--uefi) ;;
*) echo "smp.sh: unknown mode $mode" >&2; exit 64 ;;
esac

start=$(date +%s%N)
./run-qemu.sh --no-build --quiet "${boot[@]}" --smp "$smp" --mem "$mem" --timeout "$timeout" --log "$log.raw" \
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
grep -Eq "^CPU found=$smp online=$smp failed=none " "$log" ||
	fail "expected CPU found=$smp online=$smp failed=none, got: $(grep '^CPU ' "$log")"
grep -Eq "^ENV .*tsc_hz=[1-9][0-9]* .*cpus=$smp( |$)" "$log" || fail "no ENV line with tsc_hz and cpus=$smp"
grep -Eq "^MEM usable_bytes=[1-9][0-9]* managed_frames=[1-9][0-9]* free_frames=[1-9][0-9]* " "$log" ||
	fail "no MEM line from LLFree"
if ! printf '%s\n' "$@" | grep -q '^stress=0$'; then
	grep -Eq "^TEST name=stress cores=$smp result=ok " "$log" ||
		fail "expected TEST name=stress cores=$smp result=ok, got: $(grep '^TEST ' "$log")"
fi
echo "ok   smp-$name (smp=$smp mem=$mem $mode, ${secs}s): $(grep -o 'start_us=[0-9]*' "$log") \
$(grep '^TEST name=stress' "$log" | grep -o ' allocs=[0-9]*\| handoffs=[0-9]*\| exhaust_allocs=[0-9]*' | tr -d '\n')"
