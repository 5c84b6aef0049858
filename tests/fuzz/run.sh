#!/bin/sh
# run.sh DIR SECONDS - run every fuzz target in DIR for SECONDS each, with a
# corpus under DIR/corpus/NAME; a crash fails the run and keeps the input.
set -u
dir=$1
secs=$2
rc=0
for f in "$dir"/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	mkdir -p "$dir/corpus/$name" "$dir/artifacts"
	seeds=tests/fuzz/seeds/$name
	[ -d "$seeds" ] || seeds=
	echo "fuzz: $name for ${secs}s"
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
	    -artifact_prefix="$dir/artifacts/$name-" -print_final_stats=1 \
	    "$dir/corpus/$name" $seeds >"$dir/$name.log" 2>&1; then
		echo "fuzz: $name ok: $(grep -m1 'stat::number_of_executed_units' "$dir/$name.log" | awk '{print $2}') runs"
	else
		echo "fuzz: $name FAILED (log $dir/$name.log)"
		tail -n 30 "$dir/$name.log"
		rc=1
	fi
done
exit $rc
