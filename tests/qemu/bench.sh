#!/usr/bin/env bash
# QEMU benchmark tests (issue 5): a tiny benchmark boot must print every
# RESULT line its options ask for, each parsing with every key; bad
# benchmark options must fail the boot with the parser's message.
#
#   tests/qemu/bench.sh [NAME...]     all checks, or only those named
#
# Uses the fast PVH path (run-qemu.sh --kernel) on $BUILD/kernel.elf; the
# iso check boots GRUB (BIOS) with the benchmark command line in grub.cfg, the
# way a USB stick for real hardware does.
# Logs: $BUILD/tests/qemu/bench-NAME.log (and .csv). Exits 1 if any check failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
LOGS=$BUILD/tests/qemu
mkdir -p "$LOGS"

failed=()
passed=0

# run NAME EXPECTED_EXIT RUN-QEMU-ARGS... [-- KERNEL-ARGS]: boots; the log is then $log.
# $boot: how (default: the PVH fast path).
boot=--kernel
run() {
	local name=$1 want=$2 rc
	shift 2
	current=$name
	log=$LOGS/bench-$name.log
	./run-qemu.sh $boot --quiet --no-build --timeout 120 --log "$log" "$@" \
		2>"$LOGS/bench-$name.stderr"
	rc=$?
	if ((rc != want)); then
		fail "run-qemu.sh exited $rc, expected $want ($(tail -n 1 "$LOGS/bench-$name.stderr"))"
		return 1
	fi
}

fail() {
	echo "FAIL $current: $*"
	echo "---- last lines of $log ----"
	tail -n 20 "$log" | tr -d '\r' | sed 's/^/    /'
	failed+=("$current")
	return 1
}

pass() {
	echo "ok   $current"
	passed=$((passed + 1))
}

# expect_line REGEX: the log has a line matching the extended regex.
expect_line() {
	local lines
	lines=$(tr -d '\r' <"$log")
	grep -Eq -- "$1" <<<"$lines" || fail "no line matching: $1"
}

# no_line REGEX: the log has no line matching the extended regex.
no_line() {
	local lines
	lines=$(tr -d '\r' <"$log")
	! grep -Eq -- "$1" <<<"$lines" || fail "unexpected line matching: $1"
}

# results OPTIONS...: every RESULT line the options ask for, parsed strictly, all keys.
results() {
	local csv=${log%.log}.csv
	"$PYTHON" tools/logparse.py --strict "$log" -o "$csv" || { fail "logparse --strict failed"; return 1; }
	"$PYTHON" tests/qemu/bench_results.py check "$csv" "$@" || fail "RESULT lines missing or incomplete"
}

# Every benchmark, both allocators, both orders, 1 and 2 cores; the stress test runs first.
check_tiny() {
	run tiny 0 --smp 2 --mem 256M -- bench=bulk,repeat,rand,frag alloc=llfree,buddy \
		orders=0,9 cores=1,2 iterations=1 rounds=2 mem=50 || return
	expect_line '^TEST name=stress .*result=ok' &&
		expect_line '^BENCH frames=[0-9]+ .*mem_percent=50 cpus=2 max_cores=2 iterations=1 rounds=2' &&
		expect_line '^TEST name=bench cores=2 result=ok results=36$' &&
		expect_line '^DONE status=ok' &&
		results --bench=bulk,repeat,rand,frag --alloc=llfree,buddy --orders=0,9 --cores=1,2 \
			--iterations=1 --rounds=2 && pass
}

# The strawman list, two iterations, the default core list (1, 2, 3 on 3 CPUs).
check_list() {
	run list 0 --smp 3 --mem 128M -- stress=0 bench=bulk,rand alloc=list,llfree orders=0 \
		iterations=2 mem=20 || return
	results --bench=bulk,rand --alloc=list,llfree --orders=0 --cores=1,2,3 --iterations=2 \
		--rounds=0 && pass
}

# Memory beyond 4 GiB with the PCI hole: the frame arrays and buddy metadata
# (tens of MiB) are runs of whole 2 MiB areas; memory= sets the managed size.
check_large() {
	run large 0 --smp 2 --mem 5G -- stress=0 bench=bulk alloc=buddy,llfree orders=9 cores=2 \
		iterations=1 memory=4G || return
	expect_line '^BENCH frames=1048576 memory=4294967296 ' &&
		results --bench=bulk --alloc=buddy,llfree --orders=9 --cores=2 --iterations=1 --rounds=0 &&
		pass
}

# The ISO path (GRUB, BIOS): the command line reaches the benchmarks through grub.cfg.
check_iso() {
	boot=--bios run iso 0 --smp 2 --mem 256M -- stress=0 bench=bulk,frag alloc=buddy,llfree \
		orders=9 cores=2 iterations=1 rounds=1 || return
	expect_line '^BOOT firmware=bios .*cmdline="stress=0 bench=bulk,frag' &&
		results --bench=bulk,frag --alloc=buddy,llfree --orders=9 --cores=2 --iterations=1 \
			--rounds=1 && pass
}

# A bad value fails the boot at the command line, with bench_option's message.
check_bad_value() {
	run bad-value 1 -- bench=bulk,nope || return
	expect_line "^ERROR msg=\"invalid command-line value 'bulk,nope' for option bench: .*bench: expected a comma-separated list of bulk, repeat, rand, frag" &&
		expect_line '^DONE status=fail reason="bad kernel command line"' &&
		no_line '^RESULT' && pass
}

check_bad_number() {
	run bad-number 1 -- bench=bulk iterations=0 || return
	expect_line "^ERROR msg=\"invalid command-line value '0' for option iterations: .*iterations: expected a number 1..1000000" &&
		expect_line '^DONE status=fail reason="bad kernel command line"' && pass
}

# More cores than CPUs online: the benchmark refuses, the verdict is fail.
check_too_many_cores() {
	run too-many-cores 1 --smp 2 -- stress=0 bench=bulk cores=1,4 || return
	expect_line '^ERROR .*cores=4 exceeds the CPUs available: 2' &&
		expect_line '^TEST name=bench cores=2 result=fail' &&
		expect_line '^DONE status=fail reason="benchmark failed"' && no_line '^RESULT' && pass
}

check_memory_too_large() {
	run memory-too-large 1 --mem 256M -- stress=0 bench=bulk memory=1G || return
	expect_line '^ERROR msg="memory=1073741824 bytes exceeds the benchmark.s free memory' &&
		expect_line '^DONE status=fail reason="benchmark failed"' && pass
}

# Benchmark keys without bench=: nothing runs, and the log says why.
check_no_bench() {
	run no-bench 0 -- stress=0 cores=1 || return
	expect_line '^WARN msg="benchmark options without bench=: no benchmark runs"' &&
		no_line '^(BENCH|RESULT|TEST name=bench)' && expect_line '^DONE status=ok' && pass
}

ALL=(tiny list large iso bad_value bad_number too_many_cores memory_too_large no_bench)
names=("$@")
((${#names[@]})) || names=("${ALL[@]}")
for n in "${names[@]}"; do
	n=${n//-/_}
	if ! declare -F "check_$n" >/dev/null; then
		echo "unknown check: $n (known: ${ALL[*]})"
		exit 2
	fi
	"check_$n"
done

echo "bench QEMU tests: $passed passed, ${#failed[@]} failed${failed:+ (${failed[*]})}"
((${#failed[@]} == 0))
