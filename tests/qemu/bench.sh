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
		orders=0,9 cores=1,2 iterations=1 rounds=2 mem_percent=50 || return
	expect '^TEST name=stress .*result=ok' &&
		expect '^BENCH frames=[0-9]+ .*mem_percent=50 cpus=2 max_cores=2 iterations=1 rounds=2' &&
		expect '^TEST name=bench cores=2 result=ok results=32$' &&
		expect '^DONE status=ok' &&
		results --bench=bulk,repeat,rand,frag --alloc=llfree,buddy --orders=0,9 --cores=1,2 \
			--iterations=1 --rounds=2 && pass
}

# frag in the kernel (small: 256 MiB managed, 2 cores, 60 rounds): every round's line,
# as many 2 MiB frames after the last round as areas were free (the benchmark's own
# check), and LLFree's placement draining trees as on the host.
check_frag() {
	run frag 0 --smp 2 --mem 512M -- stress=0 bench=frag alloc=llfree,buddy cores=2 \
		iterations=1 rounds=60 memory=256M || return
	expect '^BENCH frames=65536 memory=268435456 ' &&
		expect '^TEST name=bench cores=2 result=ok results=120$' &&
		results --bench=frag --alloc=llfree,buddy --orders=0 --cores=2 --iterations=1 \
			--rounds=60 &&
		frag_drains 60 && pass "$(frag_summary 60)"
}

# frag_drains ROUND: at ROUND, LLFree holds at least half of its free memory as whole
# 2 MiB areas (buddy: the untouched 10 %) and needs at most a quarter of buddy's page
# moves; huge_got equals free_huge for both.
frag_drains() {
	local why
	why=$(log_lines | awk -v round="$1" '
		/^RESULT bench=frag / && $0 ~ (" round=" round " ") {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			share[v["alloc"]] = v["huge_share"]; moves[v["alloc"]] = v["moves"]
			if (v["huge_got"] != v["free_huge"])
				bad = bad " " v["alloc"] ": huge_got " v["huge_got"] " != free_huge " v["free_huge"] ";"
		}
		END {
			if (!("llfree" in share) || !("buddy" in share))
				bad = bad " no llfree and buddy lines;"
			else {
				if (share["llfree"] < 0.5)
					bad = bad " llfree huge_share " share["llfree"] " < 0.5;"
				if (moves["llfree"] * 4 > moves["buddy"])
					bad = bad " llfree moves " moves["llfree"] " > buddy moves " moves["buddy"] " / 4;"
			}
			if (bad != "") { print "frag round " round ":" bad; exit 1 }
		}') || { fail "$why"; return 1; }
}

frag_summary() {
	log_lines | awk -v round="$1" '/^RESULT bench=frag / && $0 ~ (" round=" round " ") {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%s share %s moves %s; ", v["alloc"], v["huge_share"], v["moves"] }'
}

# The strawman list, two iterations, the default core list (1, 2, 3 on 3 CPUs).
check_list() {
	run list 0 --smp 3 --mem 128M -- stress=0 bench=bulk,rand alloc=list,llfree orders=0 \
		iterations=2 mem_percent=20 || return
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

ALL=(tiny frag list large iso bad_value bad_number too_many_cores memory_too_large no_bench)
run_checks "${@:-${ALL[@]}}"
summary "bench QEMU tests"
