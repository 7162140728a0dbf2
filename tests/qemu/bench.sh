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

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PYTHON=${PYTHON:-/usr/bin/python3}
LOGS=$BUILD/tests/qemu
LOG_PREFIX=bench-
# The PVH fast path unless a check says otherwise (check_iso).
RUN_ARGS=(--kernel --timeout 120)

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
	expect '^TEST name=stress .*result=ok' &&
		expect '^BENCH frames=[0-9]+ .*mem_percent=50 cpus=2 max_cores=2 iterations=1 rounds=2' &&
		expect '^TEST name=bench cores=2 result=ok results=32$' &&
		expect '^DONE status=ok' &&
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
	expect '^BENCH frames=1048576 memory=4294967296 ' &&
		results --bench=bulk --alloc=buddy,llfree --orders=9 --cores=2 --iterations=1 --rounds=0 &&
		pass
}

# The ISO path (GRUB, BIOS): the command line reaches the benchmarks through grub.cfg.
check_iso() {
	local RUN_ARGS=(--bios --timeout 120)
	run iso 0 --smp 2 --mem 256M -- stress=0 bench=bulk,frag alloc=buddy,llfree \
		orders=9 cores=2 iterations=1 rounds=1 || return
	expect '^BOOT firmware=bios .*cmdline="stress=0 bench=bulk,frag' &&
		results --bench=bulk,frag --alloc=buddy,llfree --orders=9 --cores=2 --iterations=1 \
			--rounds=1 && pass
}

# A bad value fails the boot at the command line, with bench_option's message.
check_bad_value() {
	run bad-value 1 -- bench=bulk,nope || return
	expect "^ERROR msg=\"invalid command-line value 'bulk,nope' for option bench: .*bench: expected a comma-separated list of bulk, repeat, rand, frag" &&
		expect '^DONE status=fail reason="bad kernel command line"' &&
		no_line '^RESULT' && pass
}

check_bad_number() {
	run bad-number 1 -- bench=bulk iterations=0 || return
	expect "^ERROR msg=\"invalid command-line value '0' for option iterations: .*iterations: expected a number 1..1000000" &&
		expect '^DONE status=fail reason="bad kernel command line"' && pass
}

# More cores than CPUs online: the benchmark refuses, the verdict is fail.
check_too_many_cores() {
	run too-many-cores 1 --smp 2 -- stress=0 bench=bulk cores=1,4 || return
	expect '^ERROR .*cores=4 exceeds the CPUs available: 2' &&
		expect '^TEST name=bench cores=2 result=fail' &&
		expect '^DONE status=fail reason="benchmark failed"' && no_line '^RESULT' && pass
}

check_memory_too_large() {
	run memory-too-large 1 --mem 256M -- stress=0 bench=bulk memory=1G || return
	expect '^ERROR msg="memory=1073741824 bytes exceeds the benchmark.s free memory' &&
		expect '^DONE status=fail reason="benchmark failed"' && pass
}

# Benchmark keys without bench=: nothing runs, and the log says why.
check_no_bench() {
	run no-bench 0 -- stress=0 cores=1 || return
	expect '^WARN msg="benchmark options without bench=: no benchmark runs"' &&
		no_line '^(BENCH|RESULT|TEST name=bench)' && expect '^DONE status=ok' && pass
}

ALL=(tiny list large iso bad_value bad_number too_many_cores memory_too_large no_bench)
run_checks "${@:-${ALL[@]}}"
summary "bench QEMU tests"
