#!/bin/sh
# run.sh BUILD - run every benchmark; each prints "bench: <name> <value> <unit>".
set -u
build=${1:-build}
rc=0
for b in "$build"/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || rc=1
done
for s in tests/bench/bench_*.sh; do
	[ -f "$s" ] || continue
	echo "== $(basename "$s" .sh)"
	VIGIL_BUILD=$build sh "$s" || rc=1
done
exit $rc
