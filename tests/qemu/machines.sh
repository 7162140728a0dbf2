#!/usr/bin/env bash
# QEMU machines that stand in for real hardware the default q35 does not
# imitate (issue 10): a board with no PIT, PIC, HPET or PM timer (microvm),
# one without any TSC reference, the CMOS RTC as the reference, a large
# machine whose RAM lies above 1 TiB, the memory types firmware and kernel
# set (MTRRs, PAT, direct map, framebuffer), pmem mapped before the APs.
#
#   tests/qemu/machines.sh [NAME...]     all checks, or only those named
#
# Logs: $BUILD/tests/qemu/machines-NAME.log. Exits 1 if any check failed.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGS=$BUILD/tests/qemu
LOG_PREFIX=machines-

readonly DONE_OK='^DONE status=ok reason="boot complete"$'

# microvm (acpi=on, pit=off, pic=off, rtc=on: hardware-reduced ACPI, no PM
# timer, no HPET, no PIT): the TSC comes from the CMOS RTC, APs start from
# the MADT, the stress test runs on both CPUs.
check_microvm() {
	run microvm 0 --machine microvm --smp 2 --mem 256M --timeout 90 &&
		expect '^tsc: pmtimer: absent' '^tsc: hpet: absent' '^tsc: pit: absent or not counting$' \
			'^ENV .*tsc_hz=[1-9][0-9]{8,9} tsc_source=rtc ' '^CPU found=2 online=2 failed=none ' \
			'^TEST name=stress cores=2 result=ok ' "$DONE_OK" && pass "$(field ENV tsc_hz) Hz from the RTC"
}

# No reference at all: the boot fails and names every method with its reason.
check_microvm_no_clock() {
	run microvm_no_clock 1 --machine microvm,rtc=off --smp 1 --mem 128M --timeout 90 -- stress=0 &&
		expect '^ERROR msg="no TSC frequency: cpuid15 .*, hypervisor .*, platform_info .*, pmtimer absent .*, hpet absent .*, pit absent or not counting, rtc absent \(registers read 0xff\)"$' \
			'^DONE status=fail reason="no TSC frequency"$' && pass
}

# tsc_ref=rtc on q35 agrees with the PM timer within 1 % (under TCG both
# measure the host's TSC; the RTC window is one second, its edges sharp).
check_tsc_rtc() {
	run tsc_rtc_pmtimer 0 --kernel --mem 128M -- stress=0 tsc_ref=pmtimer || return
	local ref
	ref=$(field ENV tsc_hz)
	qemu_boot tsc_rtc 0 --kernel --mem 128M -- stress=0 tsc_ref=rtc &&
		expect '^ENV .* tsc_source=rtc ' "$DONE_OK" || return
	local hz
	hz=$(field ENV tsc_hz)
	((hz * 100 > ref * 99 && hz * 100 < ref * 101)) || { fail "rtc $hz Hz, pmtimer $ref Hz: more than 1 % apart"; return; }
	pass "rtc $hz Hz, pmtimer $ref Hz"
}

# RAM above 1 TiB: QEMU moves the RAM above 4 GiB to 1 TiB for an AMD CPU
# whose address space would otherwise cross the HyperTransport hole below
# it (maxmem=1T). The stress test's ownership bitmap (a bit per frame up to
# the top, 32 MiB) outgrows one LLFree allocation (16 MiB): mm/contig.
check_above_1tib() {
	run above_1tib 0 --kernel --smp 2 --mem 2G --cpu max,vendor=AuthenticAMD,phys-bits=42 \
		--qemu-arg -machine --qemu-arg max-ram-below-4g=1G --qemu-arg -m --qemu-arg 2G,slots=1,maxmem=1T \
		--timeout 120 &&
		expect '^memmap:   \[0x0000010000000000, 0x0000010040000000\) usable ' \
			'^MEM usable_bytes=[0-9]+ usable_mib=[0-9]+ top_usable=1100585369600 ' \
			'^TEST name=stress cores=2 result=ok ' "$DONE_OK" && pass "top_usable=$(field 'MEM usable_bytes=[0-9]+ usable_mib' top_usable)"
}

# Memory types under SeaBIOS and OVMF (which program the MTRRs): the MTRR
# summary, the PAT on every CPU (the boot fails if an AP's differs), RAM
# only in the direct map and all of it write-back, the framebuffer
# write-combining, and no WARN.
check_memtypes_bios() {
	run memtypes_bios 0 --smp 4 --mem 512M &&
		expect '^mtrr: default=wb fixed=on var=1/8 \(wc supported\)$' '^mtrr:   var 0: 0xc0000000 \+ 0x40000000 uc$' \
			'^paging: direct map 0\.\.0x[0-9a-f]+ .* RAM only, write-back \(0 MiB not write-back by the MTRRs\)' \
			'^paging: 0xfd000000\+0x300000 mapped wc$' '^CPU found=4 online=4 failed=none ' \
			'^ENV .* cpus=4 mce_banks=[0-9]+ mtrr="default=wb fixed=on var=1/8" pat=wb,wt,uc-,uc,wb,wt,uc-,wc ram_not_wb_mib=0$' \
			"$DONE_OK" && no_line '^WARN' && pass
}

check_memtypes_uefi() {
	run memtypes_uefi 0 --uefi --smp 2 --mem 512M &&
		expect '^mtrr: default=wb fixed=on var=2/8 ' '^paging: direct map .* RAM only, write-back \(0 MiB not' \
			'^paging: 0x[0-9a-f]+\+0x300000 mapped wc$' \
			'^ENV .* pat=wb,wt,uc-,uc,wb,wt,uc-,wc ram_not_wb_mib=0$' "$DONE_OK" && no_line '^WARN' && pass
}

# pmem: the range (here RAM declared persistent, not 2 MiB aligned) is
# mapped before the APs start, so no other CPU can hold a translation of it
# from before (docs/hardware.md); the instance then runs on all four CPUs.
check_pmem_before_aps() {
	run pmem_before_aps 0 --kernel --smp 4 --mem 512M -- stress=0 pmem=overwrite pmem_size=64M pmem_at=0x10001000 &&
		expect '^MEM pmem=overwrite source=cmdline base=0x10001000 ' "$DONE_OK" || return
	local mapped cpus
	mapped=$(log_lines | grep -n '^paging: 0x10001000+0x4000000 mapped wb$' | cut -d: -f1)
	cpus=$(log_lines | grep -n '^CPU found=4 online=4 ' | cut -d: -f1)
	[[ -n $mapped && -n $cpus ]] && ((mapped < cpus)) || { fail "pmem mapped at line ${mapped:-none}, APs started at line ${cpus:-none}"; return; }
	pass "mapped at line $mapped, APs started at line $cpus"
}

readonly ALL=(microvm microvm_no_clock tsc_rtc above_1tib memtypes_bios memtypes_uefi pmem_before_aps)
run_checks "${@:-${ALL[@]}}"
summary "machines"
