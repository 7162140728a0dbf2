#!/usr/bin/env bash
# QEMU tests of issue 12's kernel side: which serial console the kernel
# chooses (console=, ACPI SPCR, probing COM1..COM4) on machines whose only
# connected port is COM2, and an image GRUB loads elsewhere than 2 MiB.
#
#   tests/qemu/console.sh [NAME...]     all checks, or only those named
#
# Logs: $BUILD/tests/qemu/console/NAME.log. Exits 1 if any check failed.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGS=$BUILD/tests/qemu/console

readonly DONE_OK='^DONE status=ok reason="boot complete"$'
readonly COM1='com1 \(io:0x3f8, 115200 baud\)' COM2='com2 \(io:0x2f8, 115200 baud\)'

# An SPCR table (Microsoft's SPCR specification, revision 2) naming the
# 16550 at I/O port PORT, 115200 baud, for QEMU's -acpitable.
make_spcr() {
	local out=$1 port=$2 type=${3:-0}
	mkdir -p "$(dirname "$out")"
	/usr/bin/python3 - "$out" "$port" "$type" <<'PY'
import struct, sys
out, port, itype = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
gas = struct.pack('<BBBBQ', 1, 8, 0, 1, port)                   # system I/O, byte access
body = struct.pack('<B3x', itype) + gas
body += struct.pack('<BBI', 0, 0, 0)                            # no interrupt
body += struct.pack('<BBBBBB', 7, 0, 1, 0, 0, 0)                # 115200, 8N1, no flow control
body += struct.pack('<HHBBBIBI', 0xffff, 0xffff, 0, 0, 0, 0, 0, 0)  # not a PCI device
table = bytearray(b'SPCR' + struct.pack('<IBB6s8sIII', 36 + len(body), 2, 0, b'LLFREE',
                                        b'TESTSPCR', 1, 0x4c4c4654, 1) + body)
table[9] = -sum(table) & 0xff
open(out, 'wb').write(table)
PY
}

# COM1 exists but leads nowhere, the log is on COM2: probing finds both and writes to both.
check_com2_probe_pvh() {
	run com2_probe_pvh 0 --kernel --com 2 -- stress=0 &&
		expect "^console: serial $COM1, $COM2 found by probing COM1\.\.COM4 " "$DONE_OK" && pass
}

# COM2 is the only serial port, on the ISO path (GRUB, BIOS).
check_com2_alone_bios() {
	run com2_alone_bios 0 --com-alone 2 &&
		expect '^BOOT firmware=bios ' "^console: serial $COM2 found by probing COM1\.\.COM4 " "$DONE_OK" && pass
}

check_com2_alone_uefi() {
	run com2_alone_uefi 0 --uefi --com-alone 2 -- stress=0 &&
		expect '^BOOT firmware=uefi ' "^console: serial $COM2 found by probing COM1\.\.COM4 " "$DONE_OK" && pass
}

check_com2_cmdline() {
	run com2_cmdline 0 --kernel --com 2 -- stress=0 console=com2,38400 &&
		expect '^console: serial com2 \(io:0x2f8, 38400 baud\) as console= asks$' "$DONE_OK" && pass
}

check_io_cmdline() {
	run io_cmdline 0 --kernel --com-alone 2 -- stress=0 console=io:0x2f8 &&
		expect "^console: serial $COM2 as console= asks$" "$DONE_OK" && pass
}

# The ACPI SPCR table names COM2: the kernel writes there only (COM1 gets nothing).
check_spcr_com2() {
	make_spcr "$LOGS/spcr-com2.bin" 0x2f8
	run spcr_com2 0 --kernel --com 2 --qemu-arg -acpitable --qemu-arg "file=$LOGS/spcr-com2.bin" -- stress=0 &&
		expect "^console: serial $COM2 from the ACPI SPCR table$" "$DONE_OK" && pass
}

# console= wins over SPCR.
check_cmdline_over_spcr() {
	make_spcr "$LOGS/spcr-com1.bin" 0x3f8
	run cmdline_over_spcr 0 --kernel --com 2 --qemu-arg -acpitable --qemu-arg "file=$LOGS/spcr-com1.bin" \
		-- stress=0 console=com2 && expect "^console: serial $COM2 as console= asks$" "$DONE_OK" && pass
}

# An SPCR for a PL011 (ARM) or naming an absent port: a WARN, then probing.
check_spcr_unusable() {
	make_spcr "$LOGS/spcr-pl011.bin" 0x2f8 3
	run spcr_unusable 0 --kernel --com-alone 2 --qemu-arg -acpitable --qemu-arg "file=$LOGS/spcr-pl011.bin" \
		-- stress=0 &&
		expect '^WARN msg="ACPI SPCR unusable \(interface type 0x3\): device kind or register layout not supported"$' \
			"^console: serial $COM2 found by probing COM1\.\.COM4 \(no usable console= or ACPI SPCR port\)$" \
			"$DONE_OK" || return
	make_spcr "$LOGS/spcr-com3.bin" 0x3e8
	qemu_boot spcr_absent 0 --kernel --com-alone 2 --qemu-arg -acpitable --qemu-arg "file=$LOGS/spcr-com3.bin" \
		-- stress=0 &&
		expect '^WARN msg="ACPI SPCR names com3 \(io:0x3e8, 115200 baud\) but no UART answers there"$' \
			"^console: serial $COM2 found by probing" "$DONE_OK" && pass
}

# console=com3 where nothing answers: a WARN, then probing finds COM2.
check_cmdline_absent() {
	run cmdline_absent 0 --kernel --com-alone 2 -- stress=0 console=com3 &&
		expect '^WARN msg="console=: no UART answers at com3 \(io:0x3e8, 115200 baud\)"$' \
			"^console: serial $COM2 found by probing" "$DONE_OK" && pass
}

# A bad value fails the boot; the error still reaches COM2 (chosen by kernel_exit).
check_bad_console() {
	run bad_console 1 --kernel --com-alone 2 -- console=com1,100000 &&
		expect '^ERROR msg="invalid command-line value .com1,100000. for option console: expected .*want a divisor of 115200' \
			"^console: serial $COM2 found by probing COM1\.\.COM4$" \
			'^DONE status=fail reason="bad kernel command line"$' && pass
}

# GRUB places the image where the relocatable tag lets it (tests/qemu/mb2_reloc.py
# changes the tag in a copy of kernel.elf): the BOOT line's load_addr proves it moved.
# reloc_boot NAME FIRMWARE WANT_REGEX MB2_RELOC_ARGS...
reloc_boot() {
	local name=$1 firmware=$2 want=$3 dir=$LOGS/$1
	shift 3
	start_check "$name"
	log=""
	mkdir -p "$dir"
	/usr/bin/python3 tests/qemu/mb2_reloc.py "$BUILD/kernel.elf" "$dir/kernel.elf" "$@" >/dev/null &&
		BUILD=$dir ./run-qemu.sh --no-build --make-iso "$dir/reloc.iso" ||
		{ fail "could not build the relocated ISO"; return 1; }
	qemu_boot "$name" 0 --smp 2 --iso "$dir/reloc.iso" ${firmware:+--$firmware} &&
		expect "^BOOT firmware=[a-z]+ .* load_addr=$want\$" "^CPU found=2 online=2 " "$DONE_OK"
}

# Lowest address from 64 MiB: exactly there.
check_reloc_min_bios() {
	reloc_boot reloc_min_bios bios 0x4000000 --min 0x4000000 && pass
}

# Preference high: near the top of the 512 MiB below 4 GiB, 2 MiB aligned.
check_reloc_high_bios() {
	reloc_boot reloc_high_bios bios '0x1[0-9a-f][02468ace]00000' --prefer high && pass
}

check_reloc_high_uefi() {
	reloc_boot reloc_high_uefi uefi '0x1[0-9a-f][02468ace]00000' --prefer high && pass
}

# The image as built: GRUB's lowest choice, the linked 2 MiB.
check_reloc_default() {
	run reloc_default 0 && expect '^BOOT firmware=bios .* load_addr=0x200000$' "$DONE_OK" && pass
}

# The summary screen after a benchmark boot (BIOS, framebuffer from GRUB):
# screenshots through the QEMU monitor while the page stays up (screen_hold),
# each QR code decoded by zbarimg, tools/qrlog.py turns them into a log, and
# that log's lines are the serial log's: every RESULT (frag: first and last
# round), ENV, DONE; logparse.py reads it without complaint.
check_summary_qr() {
	start_check summary_qr
	local name=summary_qr dir=$LOGS/summary_qr hold=16
	log=$LOGS/$name.log
	rm -rf "$dir" "$log" && mkdir -p "$dir"
	./run-qemu.sh --quiet --no-build --smp 2 --mem 1G --log "$log" --timeout 120 \
		--qemu-arg -monitor --qemu-arg "unix:$dir/monitor.sock,server,nowait" -- \
		stress=0 bench=bulk,rand,frag orders=0 cores=1,2 iterations=2 rounds=3 screen_hold=$hold \
		2>"$dir/run.stderr" &
	local pid=$! i n=0 parts=""
	for ((i = 0; i < 600; i++)); do
		grep -aq '^DONE' "$log" 2>/dev/null && break
		sleep 0.2
	done
	# The page is drawn right after the DONE line; a new code every 4 s.
	for ((i = 0; i < hold; i++)); do
		sleep 1
		/usr/bin/python3 tests/qemu/screendump.py "$dir/monitor.sock" "$dir/shot$i.png" 2>>"$dir/screendump.stderr" || break
		zbarimg -q --raw "$dir/shot$i.png" >>"$dir/scanned.txt" 2>/dev/null
		n=$(grep -o '^LLQ1 [0-9]*/[0-9]*' "$dir/scanned.txt" | sort -u | wc -l)
		parts=$(grep -o '^LLQ1 [0-9]*/[0-9]*' "$dir/scanned.txt" | head -1 | cut -d/ -f2)
		[[ -n $parts ]] && ((n >= parts)) && break
	done
	wait "$pid" || { fail "run-qemu.sh exited $?: $(tail -n 1 "$dir/run.stderr")"; return; }
	[[ -n $parts ]] && ((parts >= 2)) || { fail "expected at least 2 QR codes, scanned ${parts:-none}"; return; }
	/usr/bin/python3 tools/qrlog.py "$dir/scanned.txt" -o "$dir/qr.log" 2>"$dir/qrlog.stderr" ||
		{ fail "qrlog.py: $(cat "$dir/qrlog.stderr")"; return; }
	/usr/bin/python3 tools/logparse.py --strict -q "$dir/qr.log" -o "$dir/qr.csv" ||
		{ fail "logparse.py --strict rejects the QR log"; return; }
	local serial qr
	serial=$(log_lines | grep -aE '^RESULT ' | grep -v 'bench=frag' | sort)
	qr=$(grep -E '^RESULT ' "$dir/qr.log" | grep -v 'bench=frag' | sort)
	[[ -n $qr && $serial == "$qr" ]] || { fail "the QR codes' RESULT lines differ from the serial log's"; return; }
	local line
	while read -r line; do
		log_lines | grep -axF -- "$line" >/dev/null || { fail "QR line not in the serial log: $line"; return; }
	done < <(grep -E '^(RESULT bench=frag|ENV|DONE)' "$dir/qr.log")
	grep -qE '^RESULT bench=frag alloc=llfree .* round=3 ' "$dir/qr.log" || { fail "no last frag round"; return; }
	pass "$parts codes, $(grep -c '^RESULT' "$dir/qr.log") RESULT lines"
}

# help=1: a header per module (its source file), options in declaration
# order, the help texts in one column.
check_help_grouped() {
	run help_grouped 0 --kernel -- help=1 &&
		expect '^benchmarks \(kernel/test/benchmarks\.c\)$' '^console \(kernel/console\.c\)$' '^stress \(kernel/test/stress\.c\)$' \
			'^DONE status=ok reason="help"$' || return
	local order
	order=$(log_lines | sed -n '/^benchmarks (kernel/,/^[a-z]/p' | grep -oE '^  [a-z_]+=' | tr -d ' =' | tr '\n' ' ')
	[[ $order == "bench alloc orders cores iterations rounds mem_percent mem memory " ]] ||
		{ fail "bench options out of declaration order: $order"; return; }
	local columns
	columns=$(log_lines | grep -E '^  [a-z_]+=' | awk 'length($1) < 40 { match($0, /^  [^ ]+ +/); print RLENGTH }' | sort -u)
	[[ $(wc -l <<<"$columns") == 1 ]] || { fail "help texts start in columns $(tr '\n' ' ' <<<"$columns")"; return; }
	pass
}

# mem= is the old name of mem_percent=: a WARN, then read as such; a size
# there fails and points to memory= and run-qemu.sh --mem.
check_mem_percent() {
	run mem_alias 0 --kernel -- stress=0 bench=bulk orders=0 cores=1 iterations=1 mem=50 &&
		expect '^WARN msg="mem= is the old name of mem_percent= \(a percentage, not a size\): read as mem_percent=50"$' \
			'^BENCH .*mem_percent=50 ' "$DONE_OK" || return
	qemu_boot mem_size 1 --kernel -- bench=bulk mem_percent=2G &&
		expect "^ERROR msg=\"invalid command-line value '2G' for option mem_percent: .*a size in bytes is memory=SIZE.*run-qemu\.sh --mem SIZE\"$" \
			'^DONE status=fail reason="bad kernel command line"$' && pass
}

ALL=(help_grouped mem_percent com2_probe_pvh com2_cmdline io_cmdline spcr_com2 cmdline_over_spcr spcr_unusable cmdline_absent
	bad_console com2_alone_bios com2_alone_uefi reloc_default reloc_min_bios reloc_high_bios reloc_high_uefi summary_qr)
run_checks "${@:-${ALL[@]}}"
summary "qemu console tests"
