#!/bin/sh
# test_loghub.sh - Drain's grouping accuracy on the 16 Loghub 2k datasets.
#
# Runs `vigil-replay loghub ../shared/data/loghub` and fails when any
# dataset's GA is below the reference Drain's (the GA column of the data
# directory's REFERENCE.md) or the average GA is below 0.90.  Skips (77)
# when the data is not there.
set -u
B=${VIGIL_BUILD:-build}
DIR=../shared/data/loghub
if [ ! -f "$DIR/REFERENCE.md" ] || [ ! -f "$DIR/HDFS/HDFS_2k.log" ]; then
	echo "skip: no Loghub data in $DIR"
	exit 77
fi
if [ ! -x "$B/vigil-replay" ]; then
	echo "FAIL: $B/vigil-replay not built"
	exit 1
fi
out=$("$B/vigil-replay" loghub "$DIR") || {
	echo "$out"
	echo "FAIL: vigil-replay loghub exited with an error"
	exit 1
}
echo "$out"
# Reference GA per dataset: the rows of REFERENCE.md's GA table.
ref=$(awk -F'|' '/^## Reference Drain grouping accuracy/ { t = 1; next }
	t && /^## / { t = 0 }
	t && NF >= 4 { n = $2; g = $3; gsub(/ /, "", n); gsub(/ /, "", g);
		if (g ~ /^[0-9.]+$/ && n != "Average") print n, g }' "$DIR/REFERENCE.md")
[ -n "$ref" ] || { echo "FAIL: no reference table in REFERENCE.md"; exit 1; }
rc=0
checked=0
for pair in $(echo "$ref" | tr ' ' ':'); do
	name=${pair%%:*}
	want=${pair#*:}
	got=$(echo "$out" | awk -v n="$name" '$1 == n { print $4 }')
	if [ -z "$got" ]; then
		echo "FAIL: no result for $name"
		rc=1
		continue
	fi
	checked=$((checked + 1))
	if awk -v g="$got" -v w="$want" 'BEGIN { exit !(g + 1e-9 < w) }'; then
		echo "FAIL: $name GA $got below the reference $want"
		rc=1
	fi
done
avg=$(echo "$out" | sed -n 's/^average GA=\([0-9.]*\) PA=.*/\1/p')
if [ -z "$avg" ]; then
	echo "FAIL: no average line"
	exit 1
fi
if awk -v a="$avg" 'BEGIN { exit !(a < 0.90) }'; then
	echo "FAIL: average GA $avg below 0.90"
	rc=1
fi
[ "$checked" -eq 16 ] || { echo "FAIL: checked $checked datasets, want 16"; rc=1; }
[ $rc -eq 0 ] && echo "ok: every dataset at or above the reference, average GA $avg"
exit $rc
