# lib.sh - shared helpers for the integration tests (sourced, POSIX sh).
#
# Every test runs its own vigild on unique loopback ports (machines are
# shared), in a private temporary directory, and kills what it started.

VIGIL_BUILD=${VIGIL_BUILD:-build}
VIGILD=${VIGILD:-$VIGIL_BUILD/vigild}
VIGILCTL=${VIGILCTL:-$VIGIL_BUILD/vigilctl}
PY=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-test.XXXXXX")
VIGILD_PID=
PIDS=

cleanup() {
	for p in $VIGILD_PID $PIDS; do
		kill "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $VIGILD_PID $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*"
	if [ -f "$T/vigild.log" ]; then
		echo "--- vigild log (tail)"
		tail -n 30 "$T/vigild.log"
	fi
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

. tests/integration/ports.sh

# start_vigild CONF: start vigild in the foreground (backgrounded by the
# shell), wait until it logs "ready".
start_vigild() {
	# Emptied here, not by the background job's redirection: a restart
	# must not find the last run's "ready".
	: >"$T/vigild.log"
	"$VIGILD" -c "$1" >>"$T/vigild.log" 2>&1 &
	VIGILD_PID=$!
	i=0
	while ! grep -q ': ready' "$T/vigild.log" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$VIGILD_PID" 2>/dev/null; then
			fail "vigild did not start"
		fi
		sleep 0.1
	done
}

# stop_vigild: SIGTERM and wait; fails the test if it does not stop
# cleanly within 10 s.
stop_vigild() {
	kill -TERM "$VIGILD_PID" || fail "vigild not running"
	i=0
	while kill -0 "$VIGILD_PID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && fail "vigild did not stop on SIGTERM"
		sleep 0.1
	done
	wait "$VIGILD_PID"
	rc=$?
	VIGILD_PID=
	[ $rc -eq 0 ] || fail "vigild exited with $rc"
}

# jget JSON-FILE EXPR: evaluate a python expression over the parsed JSON
# document bound to j, e.g. jget s.json 'j["summary"]["arena"]["used"]'.
jget() {
	$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# host_messages JSON-FILE NAME: the message count of host NAME.
host_messages() {
	jget "$1" "[h['messages'] for h in j['hosts'] if h['name']=='$2'][0]"
}

# wait_until SECONDS CMD...: retry a command every 0.1 s for up to SECONDS.
# (Its counters have names of their own: the tests' n and i are theirs.)
wait_until() {
	_wu_tries=$(($1 * 10))
	shift
	_wu_i=0
	until "$@"; do
		_wu_i=$((_wu_i + 1))
		[ $_wu_i -gt $_wu_tries ] && return 1
		sleep 0.1
	done
}

# inventoried: the first host has an evacuation estimate, i.e. vigild has
# its inventory (the test defines ctl, its vigilctl with the right -s).
inventoried() {
	ctl hosts --json >"$T/h.json" 2>/dev/null &&
	    [ "$(jget "$T/h.json" "[h['evacuate_s'] for h in j['hosts']][0] > 0")" = True ]
}

# wait_for CMD...: retry a command for up to 10 s.
wait_for() {
	wait_until 10 "$@"
}
