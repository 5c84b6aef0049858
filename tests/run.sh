#!/bin/sh
# run.sh MODE BUILD - run vigil's tests and print one closing line
# "total: N passed, N failed, N skipped".
#
#   unit DIR       every unit-test binary in DIR
#   all BUILD      unit tests (default and tiny limits), then integration
#   integration    integration tests only (tests/integration/*.sh)
#   asan BUILD     unit tests and integration tests with the ASan build
#   lab BUILD      the libvirt lab test alone
#
# An integration test is a script that exits 0 (pass), 77 (skipped, with
# the reason on its last line) or anything else (fail).  Each runs with a
# timeout; its output is kept in BUILD/test-logs/NAME.log.
set -u
mode=$1
build=${2:-build}
passed=0
failed=0
skipped=0
failures=""

run_unit_dir() {
	for t in "$1"/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		rc=$?
		echo "$out" | grep -v '^ok ' | grep -v ': [0-9]* passed, [0-9]* failed$'
		p=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
		f=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
		[ -n "$p" ] || { p=0; f=1; }
		[ $rc -ne 0 ] && [ "$f" = 0 ] && f=1
		echo "unit $(basename "$1")/$(basename "$t"): $p passed, $f failed" | sed 's/: /  /'
		passed=$((passed + p))
		failed=$((failed + f))
		[ "$f" = 0 ] || failures="$failures $(basename "$1")/$(basename "$t")"
	done
}

run_script() {
	s=$1
	name=$(basename "$s" .sh)
	mkdir -p "$build/test-logs"
	logf="$build/test-logs/$name.log"
	limit=${VIGIL_TEST_TIMEOUT:-600}
	VIGIL_BUILD=$build timeout -k 10 "$limit" sh "$s" >"$logf" 2>&1
	rc=$?
	case $rc in
	0)
		echo "ok   $name"
		passed=$((passed + 1)) ;;
	77)
		echo "skip $name: $(tail -n 1 "$logf")"
		skipped=$((skipped + 1)) ;;
	*)
		echo "FAIL $name (exit $rc; log $logf):"
		tail -n 25 "$logf" | sed 's/^/    /'
		failed=$((failed + 1))
		failures="$failures $name" ;;
	esac
}

run_integration() {
	for s in tests/integration/test_*.sh; do
		[ -f "$s" ] || continue
		run_script "$s"
	done
}

case $mode in
unit) run_unit_dir "$build" ;;
all)
	run_unit_dir "$build/unit"
	run_unit_dir "$build/unit-tiny"
	run_integration ;;
integration) run_integration ;;
asan)
	run_unit_dir "$build/unit-asan"
	VIGILD="$build/asan/vigild" VIGILCTL="$build/asan/vigilctl" \
	    run_integration ;;
lab)
	VIGIL_LAB_REQUIRED=${VIGIL_LAB_REQUIRED:-1} run_script tests/integration/test_lab.sh ;;
*) echo "usage: run.sh unit|all|integration|asan|lab BUILD" >&2; exit 2 ;;
esac

[ -z "$failures" ] || echo "failed:$failures"
echo "total: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
