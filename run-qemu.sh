#!/usr/bin/env bash
# Boot llfree-kernel in QEMU (software emulation, TCG) and exit by its verdict.
# Run ./run-qemu.sh --help for the options and exit codes.
#
# How the script is laid out, so that an option is added in three places:
#   1. defaults            (variables, below)
#   2. parse_options       (one case branch per option; help text in usage)
#   3. qemu_command        (one block per feature, appending to the qemu array)
set -uo pipefail

readonly EXIT_OK=0 EXIT_KERNEL_FAIL=1 EXIT_TIMEOUT=2 EXIT_QEMU_ERROR=3 EXIT_KILLED=4 EXIT_USAGE=64
# Values the kernel writes to isa-debug-exit (kernel/dev/debug_exit.h);
# QEMU exits with (value << 1) | 1.
readonly QEMU_STATUS_OK=33 QEMU_STATUS_FAIL=35
# Trimmed module list (shared/design/kernel.md, Boot); the part_* modules the
# EFI image loads at start are listed so that GRUB does not complain.
readonly GRUB_MODULES="multiboot2 normal part_msdos part_gpt iso9660 all_video serial terminal echo halt \
part_acorn part_amiga part_bsd part_dfly part_dvh part_plan part_sun part_sunpc"
readonly OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd
# --machine microvm: like many current boards, only the CMOS RTC as a legacy timer.
readonly MICROVM_OPTS="acpi=on,pit=off,pic=off,rtc=on"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Paths on the command line (--log, --iso, --pmem, --make-iso) are the
# caller's; the script itself works in the checkout.
readonly CALLER_DIR=$PWD
cd "$ROOT" || exit $EXIT_USAGE
BUILD=${BUILD:-build}
KERNEL_ELF=$BUILD/kernel.elf
DEFAULT_ISO=$BUILD/llfree-kernel.iso

# ---- 1. defaults ----
smp=1
mem=512M
firmware=bios        # bios | uefi (the ISO path)
boot=iso             # iso | kernel (PVH: qemu -kernel)
iso=""               # --iso PATH: boot this image as is
timeout_s=60
log=""
cpu=max
machine=q35
quiet=0
build=1
make_iso_out=""      # --make-iso PATH: only build an ISO
qemu_extra=()        # --qemu-arg ARG
pmem_file=""         # --pmem FILE[,SIZE]: an NVDIMM backed by FILE
pmem_size=""
kill_after=""        # --kill-after SECONDS: SIGKILL QEMU (a crash of the whole machine)
com=1                # --com N: the log is serial port COM N
com_alone=0          # --com-alone N: COM N is the machine's only serial port
kernel_args=()       # after --

usage() {
	cat <<USAGE
usage: ./run-qemu.sh [OPTIONS] [-- KERNEL ARGS...]

Boots build/llfree-kernel.iso (GRUB, BIOS by default) or, with --kernel,
build/kernel.elf directly (PVH, about 0.2 s), in QEMU with TCG. Serial output
goes to stdout and to the log. Builds what is missing first (make kernel iso).

options:
  --smp N            virtual CPUs (default $smp; TCG allows up to 255)
  --mem SIZE         guest RAM, QEMU syntax: 512M, 5G (default $mem)
  --uefi             boot the ISO with OVMF ($OVMF_CODE) instead of SeaBIOS
  --bios             boot the ISO with SeaBIOS (the default; undoes an earlier --uefi)
  --kernel           fast path: qemu -kernel $KERNEL_ELF (PVH entry, no firmware)
  --iso PATH         boot this ISO as it is (no kernel args possible)
  --timeout SECONDS  stop QEMU after this long (default $timeout_s)
  --log FILE         serial log (default $BUILD/logs/qemu-DATE-PID.log)
  --cpu MODEL        QEMU CPU model (default $cpu; qemu64 lacks 1 GiB pages)
  --machine TYPE     q35, pc or microvm[,OPT=V...] (default $machine). microvm
                     is a board with no PIT, PIC, HPET or PCI and hardware-
                     reduced ACPI ($MICROVM_OPTS, then
                     the OPTs given); it boots only with --kernel (implied)
  --quiet            serial output to the log only
  --no-build         do not run make first
  --qemu-arg ARG     pass ARG to QEMU as is (repeatable)
  --pmem FILE[,SIZE] persistent memory: an NVDIMM backed by FILE (shared
                     mapping: what the guest wrote is in FILE when QEMU
                     dies). A missing FILE is created with SIZE (default
                     64M); an existing one is used whole, or its first SIZE
                     bytes. The kernel finds it in the ACPI NFIT (pmem=...;
                     docs/pmem.md)
  --kill-after SECONDS  SIGKILL QEMU after SECONDS (decimals allowed), a
                     crash of the whole machine; exit code $EXIT_KILLED if it was
                     still running then
  --com N            the serial log is COM N (1..4); COM1..N-1 exist but are
                     connected to nothing (QEMU -serial null)
  --com-alone N      the serial log is COM N, the machine's only serial port
  --make-iso PATH    only build an ISO at PATH from $KERNEL_ELF, with the
                     kernel args after -- in its grub.cfg, and exit
  --help             this text
  -- ARGS...         kernel command line (key=value ...; help=1 lists them).
                     ISO boots get a per-run ISO with ARGS in grub.cfg.

Paths (--log, --iso, --pmem, --make-iso) are relative to the directory you run
the script from. The terminal shows the serial output without the firmware's
escape codes; the log keeps everything.

exit codes:
  $EXIT_OK    the log's last verdict is DONE status=ok
  $EXIT_KERNEL_FAIL    the kernel failed: DONE status=fail, or no DONE line at all
       (a triple fault exits QEMU with status 0)
  $EXIT_TIMEOUT    timeout: QEMU still running after --timeout seconds
  $EXIT_QEMU_ERROR    QEMU (or the build, or missing packages) failed, or something
       else killed QEMU before the timeout (the host's OOM killer?)
  $EXIT_KILLED    killed as asked by --kill-after (QEMU still ran then)
  $EXIT_USAGE   bad usage
USAGE
}

die_usage() {
	echo "run-qemu.sh: $*" >&2
	echo "run-qemu.sh: see ./run-qemu.sh --help" >&2
	exit $EXIT_USAGE
}

die_env() {
	echo "run-qemu.sh: $*" >&2
	exit $EXIT_QEMU_ERROR
}

# ---- 2. options ----
parse_options() {
	while (($#)); do
		local opt=$1 val="" has_val=0
		# --opt=value is the same as --opt value
		if [[ $opt == --*=* ]]; then
			val=${opt#*=}
			opt=${opt%%=*}
			has_val=1
		elif (($# > 1)); then
			val=$2
		fi
		local takes=1
		case $opt in
		--smp) smp=$val ;;
		--mem) mem=$val ;;
		--timeout) timeout_s=$val ;;
		--log) log=$val ;;
		--iso) iso=$val ;;
		--cpu) cpu=$val ;;
		--machine) machine=$val ;;
		--qemu-arg) qemu_extra+=("$val") ;;
		--pmem) pmem_file=${val%%,*}; [[ $val == *,* ]] && pmem_size=${val#*,} ;;
		--kill-after) kill_after=$val ;;
		--make-iso) make_iso_out=$val ;;
		--com) com=$val; com_alone=0 ;;
		--com-alone) com=$val; com_alone=1 ;;
		--uefi) firmware=uefi; takes=0 ;;
		--bios) firmware=bios; takes=0 ;;
		--kernel) boot=kernel; takes=0 ;;
		--quiet) quiet=1; takes=0 ;;
		--no-build) build=0; takes=0 ;;
		-h | --help) usage; exit $EXIT_OK ;;
		--) shift; kernel_args=("$@"); return ;;
		*) die_usage "unknown option '$1'" ;;
		esac
		if ((takes)); then
			if ((!has_val)); then
				(($# > 1)) || die_usage "$opt needs a value"
				shift
			fi
		elif ((has_val)); then
			die_usage "$opt takes no value"
		fi
		shift
	done
}

validate_options() {
	[[ $smp =~ ^[1-9][0-9]*$ ]] || die_usage "--smp wants a positive number, not '$smp'"
	# xAPIC ids are 8 bits and 0xff is the broadcast id; more CPUs need x2APIC.
	((smp <= 255)) || die_usage "--smp $smp: at most 255 CPUs: QEMU's TCG has no x2APIC, and without it APIC ids end at 254"
	[[ $mem =~ ^[1-9][0-9]*[KMGT]?$ ]] || die_usage "--mem wants a size like 512M or 5G, not '$mem'"
	[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die_usage "--timeout wants seconds, not '$timeout_s'"
	[[ $com =~ ^[1-4]$ ]] || die_usage "--com and --com-alone want a port number 1..4, not '$com'"
	[[ $machine == q35 || $machine == pc || $machine =~ ^microvm(,[a-z0-9-]+=[a-z0-9]+)*$ ]] ||
		die_usage "--machine is q35, pc or microvm[,OPT=VALUE...], not '$machine'"
	if [[ $machine == microvm* ]]; then
		[[ $firmware == bios && -z $iso && -z $pmem_file ]] ||
			die_usage "--machine microvm boots only the kernel (PVH): no --uefi, --iso or --pmem"
		boot=kernel
	fi
	if [[ -n $kill_after ]]; then
		[[ $kill_after =~ ^[0-9]+(\.[0-9]+)?$ ]] || die_usage "--kill-after wants seconds, not '$kill_after'"
		awk -v k="$kill_after" -v t="$timeout_s" 'BEGIN { exit !(k > 0 && k < t) }' ||
			die_usage "--kill-after $kill_after must lie between 0 and --timeout $timeout_s"
	fi
	if [[ -n $pmem_size ]]; then
		size_mib "$pmem_size" >/dev/null || die_usage "--pmem SIZE wants a size like 64M or 1G, not '$pmem_size'"
	fi
	if [[ $boot == kernel && ( $firmware == uefi || -n $iso ) ]]; then
		die_usage "--kernel boots without firmware: it excludes --uefi and --iso"
	fi
	if [[ -n $iso && ${#kernel_args[@]} -gt 0 ]]; then
		die_usage "--iso PATH boots the image as is: kernel args need the built ISO"
	fi
	# The args go into grub.cfg: keep GRUB's quoting and variables out of them.
	local a
	for a in "${kernel_args[@]}"; do
		[[ $a =~ ^[A-Za-z0-9_.,:=/+@%-]+$ ]] ||
			die_usage "kernel arg '$a': use only letters, digits and _.,:=/+@%-"
	done
}

# The caller's relative paths made absolute, so that messages name the file
# wherever the user stands.
caller_path() {
	if [[ -z $1 || $1 == /* ]]; then echo "$1"; else echo "$CALLER_DIR/$1"; fi
}

resolve_paths() {
	log=$(caller_path "$log")
	iso=$(caller_path "$iso")
	pmem_file=$(caller_path "$pmem_file")
	make_iso_out=$(caller_path "$make_iso_out")
}

# size_mib SIZE: QEMU's size syntax (no suffix: MiB) in whole MiB on stdout.
size_mib() {
	[[ $1 =~ ^([1-9][0-9]*)([KMGT]?)$ ]] || return 1
	local n=${BASH_REMATCH[1]}
	case ${BASH_REMATCH[2]} in
	K) ((n % 1024 == 0)) || return 1; echo $((n / 1024)) ;;
	M | "") echo "$n" ;;
	G) echo $((n * 1024)) ;;
	T) echo $((n * 1024 * 1024)) ;;
	esac
}

# The NVDIMM's file: created at SIZE if missing; QEMU refuses a SIZE above the file's.
prepare_pmem() {
	if [[ ! -e $pmem_file ]]; then
		pmem_size=${pmem_size:-64M}
		truncate -s "$(size_mib "$pmem_size")M" "$pmem_file" || die_env "cannot create $pmem_file"
	fi
	local have
	have=$(stat -c %s "$pmem_file") || die_env "cannot stat $pmem_file"
	pmem_size=${pmem_size:-$((have >> 20))M}
	(($(size_mib "$pmem_size") << 20 <= have)) ||
		die_usage "--pmem $pmem_file holds $have bytes, fewer than SIZE $pmem_size (grow it with truncate -s)"
}

# ---- building ----
ensure_packages() {
	tools/deps.sh build qemu || die_env "missing Debian packages (see above)"
}

run_make() {
	((build)) || return 0
	make -s --no-print-directory "$@" >&2 || die_env "make $* failed"
}

# make_iso OUT ARGS...: a hybrid BIOS+UEFI image with ARGS on the kernel line.
make_iso() {
	local out=$1
	shift
	[[ -f $KERNEL_ELF ]] || die_env "$KERNEL_ELF missing (make kernel)"
	mkdir -p "$(dirname "$out")" "$BUILD"
	local stage
	stage=$(mktemp -d "$BUILD/iso-stage.XXXXXX") || die_env "mktemp failed"
	mkdir -p "$stage/boot/grub"
	cp "$KERNEL_ELF" "$stage/boot/kernel.elf" || die_env "cannot copy $KERNEL_ELF"
	local cfg
	cfg=$(<boot/grub.cfg)
	printf '%s\n' "${cfg//@CMDLINE@/$*}" >"$stage/boot/grub/grub.cfg"
	# Written aside and renamed: a concurrent run never boots half an image.
	if ! grub-mkrescue -o "$stage.iso" --install-modules="$GRUB_MODULES" --locales= --fonts= \
		--themes= "$stage" >"$stage.log" 2>&1; then
		cat "$stage.log" >&2
		rm -rf "$stage" "$stage.log" "$stage.iso"
		die_env "grub-mkrescue failed"
	fi
	mv -f "$stage.iso" "$out"
	rm -rf "$stage" "$stage.log"
}

# ---- 3. the QEMU command line ----
qemu=()
qemu_command() {
	# Persistent memory (--pmem): an NVDIMM in the hot-plug area above RAM (ACPI NFIT).
	local machine_opt=$machine mem_opt=$mem
	[[ $machine != microvm* ]] || machine_opt="microvm,$MICROVM_OPTS${machine#microvm}"
	if [[ -n $pmem_file ]]; then
		machine_opt+=",nvdimm=on"
		mem_opt+=",slots=2,maxmem=$(($(size_mib "$mem") + $(size_mib "$pmem_size") + 1024))M"
	fi
	qemu=(qemu-system-x86_64
		-machine "$machine_opt" -accel tcg,thread=multi -cpu "$cpu"
		-smp "$smp" -m "$mem_opt"
		-display none -monitor none -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=0x04
		-nic none)    # no network driver here; OVMF boots ~1 s faster without one

	# Serial: COM1 to stdout and the log, or the log only.
	if ((quiet)); then
		qemu+=(-chardev "file,id=com1,path=$log")
	else
		qemu+=(-chardev "stdio,id=com1,logfile=$log")
	fi
	# The log on COM N: alone (an isa-serial at its address, nothing else),
	# or behind N-1 ports that exist but lead nowhere.
	local com_io=(0 0x3f8 0x2f8 0x3e8 0x2e8) com_irq=(0 4 3 4 3) i
	if ((com_alone)); then
		qemu+=(-serial none -device "isa-serial,chardev=com1,iobase=${com_io[com]},irq=${com_irq[com]}")
	else
		for ((i = 1; i < com; i++)); do qemu+=(-serial null); done
		qemu+=(-serial chardev:com1)
	fi

	# What boots.
	if [[ $boot == kernel ]]; then
		qemu+=(-kernel "$KERNEL_ELF" -append "${kernel_args[*]}")
	else
		qemu+=(-cdrom "$boot_iso" -boot d)
	fi

	# Firmware for ISO boots: SeaBIOS is QEMU's default; OVMF needs its
	# code and a writable copy of its variable store.
	if [[ $firmware == uefi ]]; then
		cp "$OVMF_VARS" "$run_dir/OVMF_VARS.fd" || die_env "cannot copy $OVMF_VARS"
		qemu+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
			-drive "if=pflash,format=raw,unit=1,file=$run_dir/OVMF_VARS.fd")
	fi

	if [[ -n $pmem_file ]]; then
		qemu+=(-object "memory-backend-file,id=pmem0,share=on,mem-path=$pmem_file,size=$pmem_size"
			-device nvdimm,id=nvdimm0,memdev=pmem0)
	fi

	qemu+=("${qemu_extra[@]}")
}

# ---- the verdict ----
# exit code from QEMU's status and the log's last DONE line
verdict() {
	local rc=$1 done_line
	done_line=$(grep -a -o 'DONE status=[a-z]*.*' "$log" | tail -n 1 | tr -d '\r')
	if [[ -n $kill_after ]] && ((rc == 137)); then
		echo "run-qemu.sh: KILLED after ${kill_after}s as asked (--kill-after; log: $log)" >&2
		return $EXIT_KILLED
	fi
	# 137 is also what a SIGKILL from elsewhere gives (the host's OOM killer):
	# only a kill after the timeout is ours.
	if ((rc == 137)) && awk -v e="$elapsed" -v t="$timeout_s" 'BEGIN { exit !(e < t) }'; then
		echo "run-qemu.sh: QEMU was killed (SIGKILL) after ${elapsed}s, before the ${timeout_s}s timeout: out of memory on the host? (log: $log)" >&2
		return $EXIT_QEMU_ERROR
	fi
	if ((rc == 124 || rc == 137)); then
		echo "run-qemu.sh: TIMEOUT after ${timeout_s}s (log: $log)" >&2
		return $EXIT_TIMEOUT
	fi
	if ((rc != QEMU_STATUS_OK && rc != QEMU_STATUS_FAIL && rc != 0)); then
		echo "run-qemu.sh: QEMU failed with status $rc (log: $log)" >&2
		return $EXIT_QEMU_ERROR
	fi
	if [[ -z $done_line ]]; then
		echo "run-qemu.sh: FAIL: no DONE line; the kernel died (triple fault or reset?) (log: $log)" >&2
		return $EXIT_KERNEL_FAIL
	fi
	if [[ $done_line == "DONE status=ok"* && $rc == "$QEMU_STATUS_OK" ]]; then
		echo "run-qemu.sh: OK in ${elapsed}s: $done_line (log: $log)" >&2
		return $EXIT_OK
	fi
	echo "run-qemu.sh: FAIL: $done_line (QEMU status $rc, log: $log)" >&2
	return $EXIT_KERNEL_FAIL
}

# The terminal as the user had it: firmware (OVMF, GRUB) sends escape codes
# that clear the screen and set colours. QEMU's output reaches the terminal
# through strip_escapes (the log keeps them); the tty settings are saved here
# and put back at exit in case anything changed them anyway.
saved_stty=""
save_terminal() {
	[[ -t 0 ]] && saved_stty=$(stty -g 2>/dev/null)
	return 0
}

restore_terminal() {
	[[ -n $saved_stty ]] && stty "$saved_stty" 2>/dev/null
	return 0
}

# stdin to stdout line by line without escape sequences (CSI, OSC, two-byte
# and charset ones) or control characters other than tab, CR and LF.
strip_escapes() {
	LC_ALL=C perl -pe 'BEGIN { $| = 1 }
		s/\e\[[0-?]*[ -\/]*[@-~]|\e\][^\a\e]*(?:\a|\e\\)?|\e[ -\/]*[0-~]|\e|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]//g'
}

main() {
	parse_options "$@"
	validate_options
	resolve_paths
	ensure_packages

	if [[ -n $make_iso_out ]]; then
		run_make kernel
		make_iso "$make_iso_out" "${kernel_args[@]}"
		exit $EXIT_OK
	fi

	mkdir -p "$BUILD/logs"
	run_dir=$(mktemp -d "$BUILD/run.XXXXXX") || die_env "mktemp failed"
	save_terminal
	trap 'rm -rf "$run_dir"; restore_terminal' EXIT
	[[ -n $log ]] || log=$(cd "$BUILD/logs" && pwd)/qemu-$(date +%Y%m%d-%H%M%S)-$$.log
	mkdir -p "$(dirname "$log")"
	: >"$log" || die_env "cannot write $log"

	if [[ $boot == kernel ]]; then
		run_make kernel
		[[ -f $KERNEL_ELF ]] || die_env "$KERNEL_ELF missing"
	elif [[ -n $iso ]]; then
		[[ -f $iso ]] || die_usage "--iso $iso: no such file"
		boot_iso=$iso
	elif ((${#kernel_args[@]})); then
		run_make kernel
		boot_iso=$run_dir/llfree-kernel.iso
		make_iso "$boot_iso" "${kernel_args[@]}"
	else
		run_make kernel iso
		boot_iso=$DEFAULT_ISO
		[[ -f $boot_iso ]] || die_env "$boot_iso missing"
	fi

	[[ -z $pmem_file ]] || prepare_pmem
	qemu_command
	local start=$EPOCHREALTIME rc
	if [[ -n $kill_after ]]; then
		timeout --foreground --signal=KILL "$kill_after" "${qemu[@]}" </dev/null | strip_escapes
	else
		timeout --foreground --kill-after=5 "$timeout_s" "${qemu[@]}" </dev/null | strip_escapes
	fi
	rc=${PIPESTATUS[0]}
	# QEMU's wall time, start to exit (the boot time of an ISO run)
	elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	verdict $rc
}

main "$@"
