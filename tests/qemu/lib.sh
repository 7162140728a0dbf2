# tests/qemu/lib.sh: what the QEMU test scripts share (sourced, not run).
# A check boots with run-qemu.sh, greps the serial log for the exact lines
# the kernel promises (shared/design/serial-log.md) and prints PASS or FAIL.
#
#   run NAME EXIT ARGS...    start check NAME, boot: ./run-qemu.sh ARGS, expect exit EXIT
#   qemu_boot NAME EXIT ARGS...  one more boot in the current check
#   expect REGEX...          every extended regex matches a line of $log
#   no_line REGEX...         none matches
#   field TAG KEY            KEY's value in the last line of $log starting with TAG
#   pass [DETAIL], fail MESSAGE    (fail returns 1, so `... || return` ends the check)
#   run_checks NAME...       check_NAME for each (dashes read as underscores)
#   summary LABEL            "LABEL: N passed, M failed", status 1 if any failed
#
# Set by the sourcing script: LOGS (log folder), optionally LOG_PREFIX (file
# names) and RUN_ARGS (run-qemu.sh options every boot gets, before its own).
# The log of a boot is $LOGS/$LOG_PREFIX$NAME.log, its stderr .stderr beside it.

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
BUILD=${BUILD:-build}
LOG_PREFIX=${LOG_PREFIX:-}
RUN_ARGS=()
failed=()
passed=0
current=""
log=""
check_start=$SECONDS

# start_check NAME: later pass/fail lines name NAME and time from here.
start_check() {
	current=$1
	check_start=$SECONDS
}

qemu_boot() {
	local name=$1 want=$2 rc
	shift 2
	log=$LOGS/$LOG_PREFIX$name.log
	mkdir -p "$LOGS"
	./run-qemu.sh --quiet --no-build "${RUN_ARGS[@]}" --log "$log" "$@" 2>"$LOGS/$LOG_PREFIX$name.stderr"
	rc=$?
	if ((rc != want)); then
		fail "run-qemu.sh exited $rc, expected $want ($(tail -n 1 "$LOGS/$LOG_PREFIX$name.stderr"))"
		return 1
	fi
}

run() {
	start_check "$1"
	qemu_boot "$@"
}

fail() {
	echo "FAIL $current: $*"
	if [[ -n $log && -f $log ]]; then
		echo "---- last lines of $log ----"
		tail -n 25 "$log" | tr -d '\r' | sed 's/^/    /'
	fi
	failed+=("$current")
	return 1
}

pass() {
	echo "PASS $current ($((SECONDS - check_start))s)${1:+: $1}"
	passed=$((passed + 1))
}

# The log without OVMF's carriage returns. Matched with grep >/dev/null, not
# grep -q: -q stops reading early, and under pipefail the writer's SIGPIPE
# would turn a match into a failure.
log_lines() {
	tr -d '\r' <"$log"
}

expect() {
	local re
	for re in "$@"; do
		log_lines | grep -aE -- "$re" >/dev/null || { fail "no line matching: $re"; return 1; }
	done
}

no_line() {
	local re
	for re in "$@"; do
		! log_lines | grep -aE -- "$re" >/dev/null || { fail "unexpected line matching: $re"; return 1; }
	done
}

field() {
	log_lines | grep -aE "^$1" | tail -n 1 | grep -oE "(^| )$2=[^ ]*" | cut -d= -f2
}

run_checks() {
	local name
	for name in "$@"; do
		name=${name//-/_}
		if ! declare -F "check_$name" >/dev/null; then
			echo "$(basename "$0"): no check '$name' (have:" \
				"$(declare -F | grep -o 'check_.*' | sed 's/check_//' | tr '\n' ' '))" >&2
			exit 2
		fi
		"check_$name"
	done
}

summary() {
	echo "$1: $passed passed, ${#failed[@]} failed${failed[*]:+ (${failed[*]})}"
	((${#failed[@]} == 0))
}
