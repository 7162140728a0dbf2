#!/usr/bin/env bash
# QEMU boot tests (issue 2): every way the kernel boots, and the failure
# paths a run must report. Each check runs ./run-qemu.sh, then greps the
# serial log for the exact lines the kernel promises (shared/design/serial-log.md).
#
#   tests/qemu/boot.sh [NAME...]     all checks, or only those named
#
# Logs: $BUILD/tests/qemu/NAME.log. Exits 1 if any check failed.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGS=$BUILD/tests/qemu

# MEM usable_bytes between LO and HI MiB.
expect_usable_mib() {
	local lo=$1 hi=$2 bytes
	bytes=$(field 'MEM usable_bytes=' usable_bytes)
	if [[ -z $bytes ]] || ((bytes < lo * 1048576 || bytes > hi * 1048576)); then
		fail "MEM usable_bytes=${bytes:-none}, expected ${lo}..${hi} MiB"
		return 1
	fi
}

readonly OK_LINES=('^BOOT firmware=[a-z]+ loader="[^"]*" cmdline="[^"]*" version=[^ ]+ load_addr=0x[0-9a-f]+$'
	'^MEM usable_bytes=[0-9]+ ' '^DONE status=ok reason="boot complete"$')

check_bios_smp1() {
	run bios_smp1 0 --smp 1 && expect "${OK_LINES[@]}" '^BOOT firmware=bios loader="GRUB' \
		'^fbcon: 1024x768 32 bpp at 0x[0-9a-f]+: [0-9]+x[0-9]+ characters$' &&
		expect_usable_mib 480 512 && pass
}

# Also the per-run ISO that carries a kernel command line through grub.cfg.
check_bios_smp4_args() {
	run bios_smp4_args 0 --smp 4 -- reboot=0 && expect "${OK_LINES[@]}" \
		'^BOOT firmware=bios .*cmdline="reboot=0"' && pass
}

check_uefi() {
	run uefi 0 --uefi && expect "${OK_LINES[@]}" '^BOOT firmware=uefi loader="GRUB' \
		'^fbcon: 1024x768 32 bpp at 0x[0-9a-f]+: [0-9]+x[0-9]+ characters$' &&
		expect_usable_mib 400 512 && pass
}

check_pvh_512m() {
	run pvh_512m 0 --kernel --mem 512M && expect "${OK_LINES[@]}" '^BOOT firmware=pvh ' &&
		expect_usable_mib 480 512 && pass
}

# RAM above 4 GiB mapped and counted; qemu64 has no 1 GiB pages: 2 MiB path.
check_pvh_5g_2m() {
	run pvh_5g_2m 0 --kernel --mem 5G --cpu qemu64 && expect "${OK_LINES[@]}" \
		'^paging: direct map 0\.\.0x1c0000000 .* 0 x 1 GiB, [0-9]+ x 2 MiB.*NX on' &&
		expect_usable_mib 5000 5120 && pass
}

check_pvh_5g_1g() {
	run pvh_5g_1g 0 --kernel --mem 5G --cpu max && expect "${OK_LINES[@]}" \
		'^paging: direct map 0\.\.0x1c0000000 .* [1-9] x 1 GiB.*1 GiB pages available' &&
		expect_usable_mib 5000 5120 && pass
}

check_bad_option() {
	run bad_option 1 --kernel -- nosuchoption=1 &&
		expect '^ERROR msg="unknown option .nosuchoption. on the kernel command line"$' \
			'^valid kernel command line options' '^  pagefault=0\|1 ' '^  help=0\|1 ' \
			'^DONE status=fail reason="bad kernel command line"$' && pass
}

check_bad_value() {
	run bad_value 1 --kernel -- pagefault=maybe &&
		expect '^ERROR msg="invalid command-line value .maybe. for option pagefault: expected 0\|1"$' \
			'^  reboot=0\|1 ' '^DONE status=fail reason="bad kernel command line"$' && pass
}

# A value out of range (stress_mem=200 ran as if 100) fails like any bad value.
check_bad_percent() {
	run bad_percent 1 --kernel -- stress_mem=200 &&
		expect '^ERROR msg="invalid command-line value .200. for option stress_mem: expected PERCENT, want a percentage 0\.\.100"$' \
			'^  stress_mem=PERCENT ' '^DONE status=fail reason="bad kernel command line"$' && pass
}

check_help() {
	run help 0 --kernel -- help=1 &&
		expect '^valid kernel command line options' '^  pagefault=0\|1 ' \
			'^DONE status=ok reason="help"$' && pass
}

check_pagefault() {
	run pagefault 1 --kernel -- pagefault=1 &&
		expect '^ERROR msg="#PF page fault" vector=14 error=0x0 rip=0xffffffff8[0-9a-f]{7} cr2=0x0000000000000008 cpu=(-1|0)$' \
			'^RIP=0xffffffff8[0-9a-f]{7} CS=0x0008 RFLAGS=0x[0-9a-f]{8} RSP=0x[0-9a-f]{16} SS=0x0010$' \
			'^CR2=0x0000000000000008 CR3=0x[0-9a-f]{16} ERROR_CODE=0x0$' \
			'^RAX=0x[0-9a-f]{16} RBX=0x[0-9a-f]{16} RCX=0x[0-9a-f]{16} RDX=0x[0-9a-f]{16}$' \
			'^R13=0x[0-9a-f]{16} R14=0x[0-9a-f]{16} R15=0x[0-9a-f]{16}$' \
			'^  #0  0xffffffff8[0-9a-f]{7}$' \
			'^DONE status=fail reason="exception 14 #PF page fault"$' && pass
}

# The same sources built with clang (no cross toolchain either), booted.
check_clang() {
	start_check clang
	log=$LOGS/clang-build.log
	if ! make -s --no-print-directory BUILD="$BUILD/clang" KERNEL_CC="clang --target=x86_64-elf" \
		"$BUILD/clang/kernel.elf" >"$log" 2>&1; then
		fail "make KERNEL_CC=\"clang --target=x86_64-elf\" failed"
		return
	fi
	BUILD=$BUILD/clang qemu_boot clang 1 --kernel -- pagefault=1 &&
		expect '^BOOT firmware=pvh ' '^MEM usable_bytes=[0-9]+ ' '^RIP=0xffffffff8' \
			'^DONE status=fail reason="exception 14 #PF page fault"$' && pass
}

# Real hardware has no isa-debug-exit: after the verdict the kernel halts,
# or resets with reboot=1 (QEMU's -no-reboot turns the reset into an exit).
# QEMU is run directly here: run-qemu.sh always adds the exit device.
# BARE_MACHINE: the board (q35 unless a check says otherwise).
bare_qemu() {
	local seconds=$1
	shift
	timeout "$seconds" qemu-system-x86_64 -machine "${BARE_MACHINE:-q35}" -accel tcg -cpu max -m 256M \
		-display none -monitor none -no-reboot "$@" </dev/null 2>"$LOGS/$current.stderr"
}

# A PVH boot without the exit device that must end with QEMU's exit status
# WANT (WHY says what that means) and the usual lines.
bare_boot() {
	local name=$1 seconds=$2 want=$3 why=$4 rc
	shift 4
	start_check "$name"
	log=$LOGS/$current.log
	bare_qemu "$seconds" -serial "file:$log" -kernel "$BUILD/kernel.elf" "$@"
	rc=$?
	((rc == want)) || { fail "QEMU exited $rc, expected $want ($why)"; return 1; }
	expect "${OK_LINES[@]}"
}

check_no_exit_device_reboot() {
	bare_boot no_exit_device_reboot 30 0 "reset with -no-reboot" -append "reboot=1" && pass
}

check_no_exit_device_halt() {
	bare_boot no_exit_device_halt 4 124 "the kernel halts until the timeout" -append "reboot=0" && pass
}

# microvm has hardware-reduced ACPI and no 8042: reboot=1 must reset through
# the FADT's reset register, not end in the triple fault that is the last
# resort (QEMU's cpu_reset log names a triple fault).
check_no_exit_device_reboot_acpi() {
	BARE_MACHINE=microvm,acpi=on,pit=off,pic=off,rtc=on bare_boot no_exit_device_reboot_acpi 60 0 \
		"reset with -no-reboot" -append "reboot=1 stress=0" -d cpu_reset -D "$LOGS/no_exit_device_reboot_acpi.reset" ||
		return
	! grep -q 'Triple fault' "$LOGS/$current.reset" || { fail "reset by a triple fault, not the ACPI reset register"; return; }
	pass
}

# No COM1 (most laptops): the UART probe fails, every wait stays bounded,
# output goes to the framebuffer only, and the run still reaches its verdict.
check_no_uart() {
	start_check no_uart
	log=""
	local rc
	bare_qemu 60 -serial none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-cdrom "$BUILD/llfree-kernel.iso" -boot d
	rc=$?
	((rc == 33)) || { fail "QEMU exited $rc, expected 33 (DONE status=ok through isa-debug-exit)"; return; }
	pass
}

# The 32-bit entry checks CPUID for long mode and says so on serial.
check_no_long_mode() {
	run no_long_mode 1 --kernel --cpu qemu32 &&
		expect '^ERROR msg="this CPU has no 64-bit long mode \(CPUID 80000001h:EDX\[29\]\)"$' \
			'^DONE status=fail reason="no long mode"$' && pass
}

# A kernel GRUB refuses (here: cut short) still ends in a verdict, at once.
check_grub_load_error() {
	local bad=$LOGS/bad-kernel
	mkdir -p "$bad"
	head -c 4096 "$BUILD/kernel.elf" >"$bad/kernel.elf"
	BUILD=$bad ./run-qemu.sh --no-build --make-iso "$bad/bad.iso" || {
		start_check grub_load_error
		log=""
		fail "could not build the ISO"
		return
	}
	run grub_load_error 1 --iso "$bad/bad.iso" --timeout 30 &&
		expect '^ERROR msg="GRUB could not load or start /boot/kernel.elf"' \
			'DONE status=fail reason="boot loader error"' && pass
}

check_timeout() {
	run timeout 2 --uefi --timeout 1 && pass
}

check_qemu_error() {
	run qemu_error 3 --kernel --cpu no-such-cpu-model && pass
}

# QEMU SIGKILLed by someone else (the host's OOM killer, say) before the
# timeout: a QEMU error (3), not a timeout (2) as it was once reported.
check_killed_elsewhere() {
	start_check killed_elsewhere
	log=$LOGS/${LOG_PREFIX}killed_elsewhere.log
	mkdir -p "$LOGS"
	rm -f "$log"
	./run-qemu.sh --quiet --no-build "${RUN_ARGS[@]}" --log "$log" --kernel --timeout 120 -- stress_seconds=60 \
		2>"$log.stderr" &
	local pid=$! i rc
	for ((i = 0; i < 150; i++)); do
		grep -q '^PROGRESS' "$log" 2>/dev/null && break
		sleep 0.2
	done
	# run-qemu.sh hands QEMU the log by absolute path.
	if ! pkill -KILL -f -- "path=$(realpath -m -- "$log")"; then
		wait "$pid"
		fail "no QEMU process of $log to kill"
		return
	fi
	wait "$pid"
	rc=$?
	((rc == 3)) || { fail "run-qemu.sh exited $rc after an outside SIGKILL of QEMU, expected 3"; return; }
	grep -q 'QEMU was killed (SIGKILL)' "$log.stderr" || { fail "stderr does not say QEMU was killed"; return; }
	pass
}

check_usage() {
	start_check usage
	log=""
	local rc
	./run-qemu.sh --no-such-flag >/dev/null 2>&1
	rc=$?
	((rc == 64)) || { fail "unknown flag: exit $rc, expected 64"; return; }
	./run-qemu.sh --kernel --uefi >/dev/null 2>&1
	rc=$?
	((rc == 64)) || { fail "--kernel --uefi: exit $rc, expected 64"; return; }
	./run-qemu.sh --help | grep -- '--smp N' >/dev/null || { fail "--help lacks --smp"; return; }
	pass
}

ALL=(usage pvh_512m pvh_5g_2m pvh_5g_1g bad_option bad_value bad_percent help pagefault bios_smp1
	bios_smp4_args uefi no_long_mode grub_load_error timeout qemu_error killed_elsewhere clang no_exit_device_reboot no_exit_device_halt
	no_exit_device_reboot_acpi no_uart)
run_checks "${@:-${ALL[@]}}"
summary "qemu boot tests"
