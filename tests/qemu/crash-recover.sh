#!/usr/bin/env bash
# Persistent LLFree in QEMU (issue 6, docs/pmem.md): crash the whole machine
# in the kernel's crash mode, recover on the next boot, and check the
# recovery against the per-core logs in persistent memory.
#
#   tests/qemu/crash-recover.sh [cycles [N]]   N crash/recover cycles (default 5)
#   tests/qemu/crash-recover.sh CHECK...       single checks of the suite (e.g. refusals)
#   tests/qemu/crash-recover.sh suite          what `make test-qemu-pmem` runs:
#       usage errors of --pmem and --kill-after, 3 cycles with --smp 4
#       (SMP), 2 with --smp 8, then: corrupted meta record, wrong size, corrupted log
#       header (all refused, file untouched), clean shutdown (shallow path),
#       the recovery check's self-tests (a lost and a doubled log slot must
#       fail; an interrupted put beside a get of smaller order must pass), a command-line range in file-backed RAM and one over the
#       kernel image (refused), each write-back instruction (CLWB,
#       CLFLUSHOPT, CLFLUSH by CPU model), and an ISO (BIOS) boot
#
# One cycle: boot with crash=1 (the first cycle pmem=overwrite, later ones
# pmem=recover, so each crash starts from a recovered state), SIGKILL QEMU
# after 2..4 s (run-qemu.sh --kill-after, exit 4), then boot pmem=recover,
# which must print `TEST name=recover ... result=ok recovery=deep` and end
# with `DONE status=ok`.
#
# Environment: SEED (default 1; cycle i uses SEED+i for the crash seed and
# the kill time), SMP (default 4), PMEM_SIZE (default 64M), BUILD.
# Logs and the pmem file: $BUILD/tests/pmem/. Exits 1 if any check failed.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOGS=$BUILD/tests/pmem
DIR=$LOGS
SEED=${SEED:-1}
SMP=${SMP:-4}
PMEM_SIZE=${PMEM_SIZE:-64M}
readonly EXIT_KILLED=4 LOG_HEADER=64 LOG_BYTES=1024 SLOT_AT=64
mkdir -p "$DIR"

# Kill time from the seed: 2.0 .. 4.0 s in steps of 0.1 s.
kill_time() {
	local h=$((($1 * 13 + $1 * $1 * 7) % 21))
	echo "$((2 + h / 10)).$((h % 10))"
}

pvh() {
	qemu_boot "$1" "$2" --kernel --smp "$SMP" --pmem "$pmem" "${@:3}"
}

# One crash/recover cycle on $pmem; $1 = cycle name, $2 = its number, $3 = init mode of the crash boot.
cycle() {
	local i=$1 mode=$3 seed=$((SEED + $2)) kill
	kill=$(kill_time "$seed")
	start_check "$i (smp $SMP, seed $seed, kill after ${kill}s)"
	pvh "$i-crash" $EXIT_KILLED --kill-after "$kill" -- stress=0 "pmem=$mode" crash=1 "crash_seed=$seed" &&
		expect '^PROGRESS test=crash cores=[0-9]+ seed=[0-9]+ .* until=killed$' || return
	if [[ $mode == recover ]]; then
		expect '^TEST name=recover .*result=ok recovery=shallow ' || return
	fi
	pvh "$i-recover" 0 -- stress=0 pmem=recover &&
		expect '^MEM pmem=recover source=nfit .*recovery=deep ' \
			'^TEST name=recover .*result=ok recovery=deep ' '^DONE status=ok' || return
	pass "logged_frames=$(field 'TEST name=recover' logged_frames) in_flight_frames=$(field 'TEST name=recover' in_flight_frames) recover_us=$(field 'TEST name=recover' recover_us) recover_us_per_gib=$(field 'TEST name=recover' recover_us_per_gib)"
}

# cycles N [NAME]: N cycles on a fresh file, logs NAME<i>-crash.log and NAME<i>-recover.log.
cycles() {
	local n=$1 name=${2:-cycle} i
	pmem=$DIR/$name.img
	rm -f "$pmem"
	truncate -s "$PMEM_SIZE" "$pmem" || { fail "cannot create $pmem"; return; }
	for ((i = 0; i < n; i++)); do
		cycle "$name$i" "$i" "$([[ $i == 0 ]] && echo overwrite || echo recover)"
	done
}

# poke FILE OFFSET HEX16: write one little-endian 64-bit word.
poke() {
	/usr/bin/python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2], 0)); f.write(int(sys.argv[3], 16).to_bytes(8, "little"))' "$@"
}

# peek FILE OFFSET: one little-endian 64-bit word, in hex.
peek() {
	/usr/bin/python3 -c 'import sys; f = open(sys.argv[1], "rb"); f.seek(int(sys.argv[2], 0)); print("%x" % int.from_bytes(f.read(8), "little"))' "$@"
}

# A refused recovery: exit 1, the reason, and the file byte for byte as it was.
# $1 name, $2 regex of the reason, $3 pmem file, rest: run-qemu.sh args.
refused() {
	local name=$1 reason=$2 file=$3 before after
	shift 3
	start_check $name
	before=$(md5sum <"$file")
	qemu_boot "$name" 1 --kernel --smp "$SMP" --pmem "$file$1" "${@:2}" -- stress=0 pmem=recover &&
		expect "$reason" '^DONE status=fail reason="persistent memory"$' || return
	after=$(md5sum <"$file")
	[[ $before == "$after" ]] || { fail "the refused recovery changed $file"; return; }
	pass
}

check_refusals() {
	local base=$DIR/clean.img file=$DIR/bad.img logs_at
	rm -f "$base"
	pmem=$base
	start_check refusals
	pvh refusals-init 0 -- stress=0 pmem=overwrite || return
	logs_at=$(field 'MEM pmem=' logs_at)

	cp "$base" "$file"
	poke "$file" 0 0x6b6e756a6b6e756a
	refused corrupt_meta '^ERROR msg="pmem=recover refused: persistent state has a wrong magic' "$file" ""
	cp "$base" "$file"
	refused wrong_size '^ERROR msg="pmem=recover refused: persistent state has a different frame count' \
		"$file" ",32M"
	cp "$base" "$file"
	poke "$file" "$logs_at" 0
	refused corrupt_log_header '^ERROR msg="pmem recover: log header magic 0x0 ' "$file" ""
	start_check fresh_file
	rm -f "$file"
	qemu_boot fresh_file 1 --kernel --pmem "$file" -- stress=0 pmem=recover &&
		expect '^ERROR msg="pmem recover: log header magic 0x0 ' && pass "an empty file is refused too"
}

# Clean shutdown: a bounded crash run keeps its blocks, the next boot is shallow and finds them
# (PVH on the pc machine; the cycles run on q35, the ISO check on pc).
check_clean_shutdown() {
	start_check clean_shutdown
	pmem=$DIR/shutdown.img
	rm -f "$pmem"
	pvh clean-run 0 --machine pc -- stress=0 pmem=overwrite crash=1 crash_seconds=1 crash_seed=5 &&
		expect '^TEST name=crash .*result=ok' '^DONE status=ok' || return
	cp "$pmem" "$DIR/shutdown-held.img"
	pvh clean-recover 0 --machine pc -- stress=0 pmem=recover &&
		expect '^TEST name=recover .*result=ok recovery=shallow .*in_flight_blocks=0 ' || return
	local held
	held=$(field 'TEST name=recover' logged_frames)
	((held > 0)) || { fail "no held frames survived the clean shutdown"; return; }
	pass "logged_frames=$held recover_us_per_gib=$(field 'TEST name=recover' recover_us_per_gib)"
}

# The check must fail when a log loses or doubles a block (state after check_clean_shutdown).
check_selftests() {
	local src=$DIR/shutdown-held.img file=$DIR/inject.img logs_at off s word empty=""
	start_check selftest
	[[ -f $src ]] || { fail "needs clean_shutdown first"; return; }
	log=$DIR/clean-run.log
	logs_at=$(field 'MEM pmem=' logs_at)
	off=""
	for ((s = 0; s < 120; s++)); do
		word=$(peek "$src" $((logs_at + LOG_HEADER + SLOT_AT + 8 * s)))
		if [[ $word != 0 && -z $off ]]; then
			off=$((logs_at + LOG_HEADER + SLOT_AT + 8 * s))
			held=$word
		elif [[ $word == 0 && -z $empty ]]; then
			empty=$((logs_at + LOG_HEADER + SLOT_AT + 8 * s))
		fi
	done
	[[ -n $off && -n $empty ]] || { fail "core 0 holds nothing or everything"; return; }
	cp "$src" "$file"
	poke "$file" "$off" 0
	pmem=$file
	start_check selftest_lost_slot
	pvh selftest-lost 1 -- stress=0 pmem=recover &&
		expect '^ERROR msg="recover: frame 0x[0-9a-f]+ is allocated but in no log' \
			'^TEST name=recover .*result=fail' && pass
	cp "$src" "$file"
	poke "$file" "$empty" "$held"
	start_check selftest_double_slot
	pvh selftest-double 1 -- stress=0 pmem=recover &&
		expect '^ERROR msg="recover: frame 0x[0-9a-f]+ is held by two log slots' && pass
	check_put_intents
}

# craft MODE FILE LOGS_AT: edit a clean-shutdown pmem file into an in-flight
# state around its highest-order held block b (orders 1..6) of core c:
#   put-not-done  b's slot empty, c's intent PUT(b), core c+1's intent GET of
#                 a smaller order that took nothing: b must be credited to the put
#   put-retaken   as if the put happened and core c+1 then took b's last frame
#                 and logged it: b's other frames free in the bitfield, the
#                 crashed flag set (deep recount); nothing is unaccounted
# Prints b's order. LLFree's lower level (llfree/src/lower.h): meta record
# {magic, frames, crashed} at 0, one 64-byte bitfield per area from byte 64.
craft() {
	/usr/bin/python3 - "$@" "$LOG_HEADER" "$LOG_BYTES" "$SLOT_AT" <<'PY'
import sys
mode, path = sys.argv[1], sys.argv[2]
logs_at, header, per_core, slot_at = (int(v, 0) for v in sys.argv[3:])
f = open(path, "r+b")
def word(off):
    f.seek(off)
    return int.from_bytes(f.read(8), "little")
def put(off, v):
    f.seek(off)
    f.write(v.to_bytes(8, "little"))
def log(core, off):
    return logs_at + header + core * per_core + off
best = None
for core in range(255):
    for s in range(120):
        w = word(log(core, slot_at + 8 * s))
        if w and 1 <= (w & 0xff) <= 6 and (best is None or (w & 0xff) > (best[2] & 0xff)):
            best = (core, s, w)
if best is None:
    sys.exit(1)
core, s, w = best
order, frame = w & 0xff, (w >> 16) - 1
put(log(core, slot_at + 8 * s), 0)
put(log(core, 0), (1 << 63) | w)
if mode == "put-not-done":
    put(log(core + 1, 0), (1 << 62) | (order - 1))
else:
    last = frame + (1 << order) - 1
    empty = next(t for t in range(120) if word(log(core + 1, slot_at + 8 * t)) == 0)
    put(log(core + 1, slot_at + 8 * empty), (last + 1) << 16)
    for fr in range(frame, last):
        row = 64 + (fr // 512) * 64 + (fr % 512) // 64 * 8
        put(row, word(row) & ~(1 << (fr % 64)))
    put(16, 1)
print(order)
PY
}

# The check credits an interrupted put correctly whether or not it happened
# (the second case failed before: frames other cores took were counted as the put's).
check_put_intents() {
	local src=$DIR/shutdown-held.img file=$DIR/craft.img logs_at order mode
	log=$DIR/clean-run.log
	logs_at=$(field 'MEM pmem=' logs_at)
	for mode in put-not-done put-retaken; do
		start_check $mode
		cp "$src" "$file"
		order=$(craft "$mode" "$file" "$logs_at") || { fail "no held block of order 1..6 to craft from"; continue; }
		pmem=$file
		if [[ $mode == put-not-done ]]; then
			pvh "$mode" 0 -- stress=0 pmem=recover &&
				expect "^TEST name=recover .*result=ok recovery=shallow .*in_flight_blocks=1 in_flight_frames=$((1 << order)) " &&
				pass "put of order $order still allocated, a get of order $((order - 1)) took nothing"
		else
			pvh "$mode" 0 -- stress=0 pmem=recover &&
				expect "^TEST name=recover .*result=ok recovery=deep .*in_flight_blocks=0 in_flight_frames=0 " &&
				pass "put of order $order done, its last frame taken and logged by the next core"
		fi
	done
}

# RAM declared persistent on the command line; RAM backed by a file survives the kill.
check_cmdline_range() {
	local ram=$DIR/ram.img
	local mem=(--mem 512M --qemu-arg=-object
		--qemu-arg="memory-backend-file,id=ram0,size=512M,mem-path=$ram,share=on"
		--qemu-arg=-machine --qemu-arg=memory-backend=ram0)
	local range=(pmem_size=64M pmem_at=256M)
	start_check cmdline_range
	rm -f "$ram"
	truncate -s 512M "$ram"
	qemu_boot cmdline-crash $EXIT_KILLED --kernel --smp 2 --kill-after 2.5 "${mem[@]}" -- stress=0 \
		pmem=overwrite "${range[@]}" crash=1 &&
		expect '^MEM pmem=overwrite source=cmdline base=0x10000000 size=67108864 ' || return
	qemu_boot cmdline-recover 0 --kernel --smp 2 "${mem[@]}" -- stress=0 pmem=recover "${range[@]}" &&
		expect '^TEST name=recover .*result=ok recovery=deep ' && pass
	rm -f "$ram"
}

# The write-back instruction follows CPUID: CLWB (max), CLFLUSHOPT, else CLFLUSH.
check_writeback() {
	local cpu insn
	for cpu in max:clwb qemu64,+clflushopt:clflushopt qemu64:clflush; do
		insn=${cpu##*:}
		cpu=${cpu%:*}
		start_check writeback_$insn
		pmem=$DIR/wb.img
		rm -f "$pmem"
		pvh "writeback-$insn" 0 --cpu "$cpu" -- stress=0 pmem=overwrite crash=1 crash_seconds=1 &&
			expect "^MEM pmem=overwrite .* writeback=$insn " '^TEST name=crash .*result=ok' && pass
	done
}

# run-qemu.sh refuses bad --pmem and --kill-after values (exit 64, before QEMU starts).
check_usage() {
	local small=$DIR/small.img
	start_check usage
	rm -f "$small"
	truncate -s 32M "$small"
	qemu_boot usage-kill-after 64 --kernel --timeout 10 --kill-after 10 &&
		qemu_boot usage-kill-after-word 64 --kernel --kill-after soon &&
		qemu_boot usage-pmem-size 64 --kernel --pmem "$small,12Q" &&
		qemu_boot usage-pmem-too-big 64 --kernel --pmem "$small,64M" &&
		grep -q 'holds 33554432 bytes, fewer than SIZE 64M' "$DIR/usage-pmem-too-big.stderr" ||
		{ [[ ${failed[-1]:-} == usage ]] || fail "no reason on stderr"; return; }
	pass
}

# A command-line range over the kernel image is refused before anything is written;
# so is one from 0 over all RAM (it stopped the boot at the memory map: "no usable RAM"),
# and one beyond RAM (it failed later with "counters disagree with the bitfields").
check_bad_range() {
	start_check bad_range
	qemu_boot bad-range 1 --kernel -- stress=0 pmem=overwrite pmem_size=16M pmem_at=2M &&
		expect '^ERROR msg="pmem: range 0x200000-0x1200000 overlaps the first MiB or the kernel image' || return
	qemu_boot bad-range-all-ram 1 --kernel --mem 256M -- stress=0 pmem=overwrite pmem_size=1G &&
		expect '^ERROR msg="pmem: range 0x0-0x40000000 overlaps the first MiB or the kernel image' \
			'^DONE status=fail reason="persistent memory"$' || return
	qemu_boot bad-range-no-ram 1 --kernel --mem 256M -- stress=0 pmem=overwrite pmem_size=64M pmem_at=1G &&
		expect '^ERROR msg="pmem: range 0x40000000-0x44000000 is not all in the firmware memory map: no memory there"$' \
			'^DONE status=fail reason="persistent memory"$' && pass
}

# The ISO path: SeaBIOS and GRUB with the NVDIMM on the pc machine.
check_iso_bios() {
	start_check iso_bios
	pmem=$DIR/iso.img
	rm -f "$pmem"
	qemu_boot iso-bios 0 --machine pc --smp 2 --pmem "$pmem" -- stress=0 pmem=overwrite crash=1 crash_seconds=1 &&
		expect '^BOOT firmware=bios ' '^MEM pmem=overwrite source=nfit base=0x[0-9a-f]+ size=67108864 ' \
			'^TEST name=crash .*result=ok' && pass
}

main() {
	local what=${1:-cycles}
	case $what in
	cycles) cycles "${2:-5}" ;;
	suite)
		check_usage
		cycles 3
		SMP=8 SEED=$((SEED + 100)) cycles 2 smp8-cycle
		check_refusals
		check_clean_shutdown
		check_selftests
		check_cmdline_range
		check_bad_range
		check_writeback
		check_iso_bios
		;;
	*) run_checks "$@" ;;
	esac
	summary crash-recover
}

main "$@"
