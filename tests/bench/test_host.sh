#!/usr/bin/env bash
# The host program's command line: help, bad flags (exit 2), a tiny run whose
# log has ENV, RESULT and DONE lines, and the closing ratio table.
#   tests/bench/test_host.sh build/llfree-bench
set -euo pipefail
bin=${1:?usage: test_host.sh PATH/llfree-bench}
fail() { echo "test_host.sh: FAIL: $*" >&2; exit 1; }

out=$("$bin" --help) || fail "--help exited $?"
grep -q -- '--memory=SIZE' <<<"$out" || fail "--help does not list --memory"

for bad in --bogus=1 --cpus=0 --cpus=x --cores=0 --orders=11 --bench=slab --memory=4X --mem=0 bench cores= --iterations; do
  set +e; err=$("$bin" "$bad" 2>&1 >/dev/null); rc=$?; set -e
  [ $rc -eq 2 ] || fail "$bad: exit $rc, want 2"
  grep -q '^llfree-bench: ' <<<"$err" || fail "$bad: no message: $err"
done

log=$("$bin" --memory=32M --bench=bulk,repeat --alloc=llfree,buddy --cores=1 --orders=0 \
      --iterations=1) || fail "tiny run exited $?"
head -1 <<<"$log" | grep -Eq '^ENV hypervisor=[^ ]+ cpu="?.*tsc_hz=[0-9]+ tsc_source=clock_gettime invariant_tsc=[01] apic=none cpus=[0-9]+' \
  || fail "first line is not ENV: $(head -1 <<<"$log")"
[ "$(grep -c '^RESULT ' <<<"$log")" -eq 4 ] || fail "want 4 RESULT lines"
grep -q '^DONE status=ok$' <<<"$log" || fail "no DONE status=ok"
grep -Eq '^bulk +0 +1 \| +[0-9]+ +[0-9]+ +[0-9.]+ \|' <<<"$log" || fail "no ratio table row for bulk"

# Kernel command-line form works too.
log=$("$bin" memory=16M bench=bulk alloc=llfree cores=1 orders=9 iterations=1) || fail "key=value run exited $?"
grep -q '^RESULT bench=bulk alloc=llfree cores=1 order=9 ' <<<"$log" || fail "key=value arguments"
# --cpus: more threads than CPUs (frag's counts on a small machine); the BENCH line says so.
log=$("$bin" --cpus=5 --memory=16M --bench=frag --alloc=llfree --cores=5 --rounds=2 --iterations=1) \
  || fail "--cpus=5 run exited $?"
grep -Eq '^BENCH .* cpus=5 max_cores=5 ' <<<"$log" || fail "--cpus=5: BENCH line"
[ "$(grep -c '^RESULT bench=frag alloc=llfree cores=5 ' <<<"$log")" -eq 2 ] || fail "--cpus=5: frag rounds"
echo "test_host.sh: ok"
