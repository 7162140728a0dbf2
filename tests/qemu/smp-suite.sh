#!/bin/bash
# The SMP suite: CPU counts 1..255, memory 128M..8G with the PC holes
# (3583M ends just below the 32-bit PCI hole, 5G spans it), BIOS and UEFI
# once each through the ISO, everything else through the fast PVH path.
# All with a short stress test. Stops at the first failure.
#
#   tests/qemu/smp-suite.sh [quick|soak]
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGS=$BUILD/tests/qemu
LOG_PREFIX=smp-
suite=${1:-quick}
check() { tests/qemu/smp.sh "$@" || exit 1; }

# A run that must fail (run-qemu.sh exit 1) with `pattern` in the log and a failed stress TEST line.
check_fails() {
	local name=$1 pattern=$2
	shift 2
	run "$name" 1 --kernel --smp 2 --mem 256M --timeout 60 -- "$@" &&
		expect "$pattern" '^TEST name=stress cores=2 result=fail ' \
			'^DONE status=fail reason="stress test failed"' || exit 1
	pass "$(grep -o 'ERROR msg=.*' "$log" | head -n 1)"
}

# The x2APIC path: QEMU's TCG has no x2APIC, KVM's local APIC has. Runs only
# where /dev/kvm is usable (slow here: KVM is a software fallback), direct
# QEMU because run-qemu.sh always asks for TCG.
check_x2apic() {
	start_check x2apic-kvm
	log=$LOGS/smp-x2apic-kvm.log
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		echo "skip smp-x2apic-kvm: /dev/kvm not usable"
		return
	fi
	timeout 150 qemu-system-x86_64 -machine q35 -accel kvm -cpu qemu64,+x2apic -smp 2 -m 256M \
		-kernel "$BUILD/kernel.elf" -append "apic=x2apic stress_rounds=50" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -no-reboot -display none \
		-serial file:"$log" >/dev/null 2>&1
	expect '^ENV .* apic=x2apic cpus=2' '^CPU found=2 online=2 failed=none ' \
		'^TEST name=stress cores=2 result=ok ' '^DONE status=ok' || exit 1
	pass "$(grep -o 'start_us=[0-9]*' "$log") apic=x2apic"
}

# panic_cpu=N: CPU N panics inside a job on all CPUs while the others spin
# with interrupts off; the run must name it, stop all others (NMI) and fail
# (run-qemu.sh exit 1), not hang.
check_panic() {
	local smp=$1 cpu=$2
	run panic 1 --kernel --smp "$smp" --mem 256M --timeout 60 -- stress=0 panic_cpu="$cpu" &&
		expect "^WARN msg=\"panic on cpu $cpu \(apic id [0-9]*\); stopped $((smp - 1)) of $((smp - 1)) other CPUs\"" \
			"^ERROR msg=\"panic: panic_cpu=$cpu: deliberate panic on cpu $cpu " \
			'^DONE status=fail reason="panic"' || exit 1
	pass "smp=$smp panic_cpu=$cpu: $(grep -o 'stopped [0-9]* of [0-9]* other CPUs' "$log")"
}

if [ "$suite" = soak ]; then
	# Long runs: the random mix for a minute on many cores, all memory sizes.
	export SMP_TIMEOUT=600
	check soak-8-4G 8 4G kernel stress_seconds=60 stress_mem=90
	check soak-16-5G 16 5G kernel stress_seconds=60 stress_mem=90
	check soak-64-3583M 64 3583M kernel stress_seconds=120
	check soak-255-2G 255 2G kernel stress_seconds=60
	check soak-4-8G 4 8G kernel stress_seconds=60 stress_mem=100
	exit 0
fi

SMP_TSC_SOURCE=pmtimer check 1-128M 1 128M kernel
check 2-512M 2 512M kernel
check 4-3583M 4 3583M kernel
check 8-5G 8 5G kernel
check 4-8G 4 8G kernel stress_rounds=100
check 16-1G 16 1G kernel
check 32-128M 32 128M kernel # less memory than cores x tree size
SMP_TIMEOUT=180 check 64-4G 64 4G kernel stress_rounds=100
SMP_TIMEOUT=180 check 64-3583M 64 3583M kernel
SMP_TIMEOUT=240 check 255-2G 255 2G kernel stress_rounds=20
SMP_TIMEOUT=240 check 255-5G 255 5G kernel stress_rounds=50 stress_orders=0-9
check bios-4-256M 4 256M bios
check bios-8-3583M 8 3583M bios
check uefi-2-512M 2 512M uefi
check uefi-4-5G 4 5G uefi
check 2-nostress 2 128M kernel stress=0
# Every TSC reference, forced, must agree with the PM timer's figure (the
# first boot's); without ACPI: one CPU (no MADT) and the PIT.
hz=$(grep -o '^ENV .*tsc_hz=[0-9]* tsc_source=pmtimer' "$LOGS/smp-1-128M.log" |
	grep -o 'tsc_hz=[0-9]*' | cut -d= -f2)
export SMP_TSC_HZ=$hz
SMP_TSC_SOURCE=hpet check 2-hpet 2 256M kernel tsc_ref=hpet
SMP_TSC_SOURCE=pit check 2-pit 2 256M kernel tsc_ref=pit
SMP_CPUS=1 SMP_TSC_SOURCE=pit SMP_QEMU="--machine pc --qemu-arg -no-acpi" check noacpi-2 2 256M kernel
unset SMP_TSC_HZ
check_panic 4 3
# A panic_cpu beyond the CPUs online cannot run: the boot fails saying so.
run panic-range 1 --kernel --smp 2 --mem 256M --timeout 60 -- stress=0 panic_cpu=2 &&
	expect '^ERROR msg="panic_cpu=2: only CPUs 1..1 can run the self-test \(2 online\)"' \
		'^DONE status=fail reason="panic_cpu out of range"' && pass || exit 1
check_x2apic
# The stress test's own checks must fire.
check_fails inject-double 'ERROR msg="stress: frame 0x[0-9a-f]* allocated twice: core 0 got it while core 0 \(seq 1\) holds it"' \
	stress_inject=double
check_fails inject-overwrite 'ERROR msg="stress: core [0-9]*: frame 0x[0-9a-f]* of a block held by core 0 \(seq 1\) was overwritten' \
	stress_inject=overwrite
