#!/bin/sh
# bench_ingest.sh - vigild's syslog ingest rate over UDP and TCP on
# loopback, side by side with rsyslog receiving the same load into
# /dev/null on the same machine.
#
# Run by tests/bench/run.sh from the repository root with VIGIL_BUILD set.
# Three runs, each of three trials, printing the trials' medians
# (RUN = udp, tcp, udp_niced):
#   bench: ingest_<RUN>_vigild <n> msg/s
#   bench: ingest_<RUN>_loss_vigild <n> msg    (sent but not counted)
#   bench: ingest_<RUN>_rsyslog <n> msg/s
#   bench: ingest_<RUN>_loss_rsyslog <n> msg
#   bench: ingest_<RUN>_ratio <x> x            (vigild / rsyslog; target >= 1)
#   udp        UDP, senders at normal priority: both the senders and the
#              receiver want all the CPU; the receiver gets its scheduler
#              share and the rest is lost in the socket buffer.
#   tcp        TCP octet-counted, senders at normal priority (TCP flow
#              control: nothing is lost, the senders wait).
#   udp_niced  UDP, senders at nice 19: the receiver gets the CPU first, as
#              on the appliance where the senders are other machines; the
#              rate is then bounded by the senders and by what the
#              receiver's wake-ups cost the whole machine.
# and informational lines starting with "ingest:".
#
# The load: tools/loadgen (compiled here with gcc -O2 into
# $VIGIL_BUILD/bench/loadgen) with K sender threads sends N hypervisor-like
# syslog lines (RFC 5424 and RFC 3164 mixed, 127 to 233 bytes) as fast as
# it can: UDP one message per datagram, TCP octet-counted (RFC 6587) over
# one connection per sender.  Each receiver gets exactly the same load
# (same N, K, seed), one after the other, each freshly started.
#
# The method, the same for both receivers:
#   - t0 is the wall-clock time just before the first send (loadgen's t0).
#   - A monitor reads the receiver's CPU time every 10 ms (the sum over its
#     threads of /proc/PID/task/*/schedstat, in nanoseconds).  The receiver
#     has finished when the senders have exited and it has stopped using
#     the CPU (less than 10% of a CPU in each poll for 300 ms); t_end is
#     the last poll at which it was still busy.  Reading /proc costs the
#     receiver nothing, unlike asking it for its counters 100 times a
#     second.
#   - The count comes from the receiver's own counters once it is idle:
#     vigild's per-host "messages" (vigilctl status --json); rsyslog's
#     "processed" counter of the omfile action that writes to /dev/null,
#     from impstats (every second, JSON, to a file).
#   - rate = count / (t_end - t0); loss = N - count.  The receiver's CPU
#     seconds per counted message are printed too: on a shared machine
#     they vary less than the wall-clock rate.
# rsyslog runs as Debian ships it (rsyslogd -n with its own config, pid
# file, work directory and ports: imudp and imtcp into one ruleset with one
# omfile action on /dev/null, default template and queues), with one
# change for fairness: imudp's receive buffer is 4 MiB, like vigild's.
#
# The informational lines also say how many datagrams each recvmmsg(2)
# call returned (vigild's udp_batches, rsyslog's imudp called.recvmmsg):
# few per call means one wake-up per message or two, which is what costs
# CPU at moderate rates.
#
# Knobs (environment): BENCH_INGEST_N (messages per run, 1000000),
# BENCH_INGEST_K (senders, 4), BENCH_INGEST_RUNS (which runs, in order;
# default "udp tcp udp_niced"), BENCH_INGEST_TRIALS (trials per run, odd,
# 3).  Exit 0 when every figure was measured
# (whatever the ratio), 1 when a run failed.  Without rsyslogd the
# rsyslog lines and ratios are left out, with a note.
set -u
VIGIL_BUILD=${VIGIL_BUILD:-build}
VIGILD=${VIGILD:-$VIGIL_BUILD/vigild}
VIGILCTL=${VIGILCTL:-$VIGIL_BUILD/vigilctl}
N=${BENCH_INGEST_N:-1000000}
K=${BENCH_INGEST_K:-4}
RUNS=${BENCH_INGEST_RUNS:-udp tcp udp_niced}
TRIALS=${BENCH_INGEST_TRIALS:-3}
PY=/usr/bin/python3
RSYSLOGD=$(command -v rsyslogd 2>/dev/null || echo /usr/sbin/rsyslogd)
LOADGEN=$VIGIL_BUILD/bench/loadgen
T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench.XXXXXX")
RPID=

cleanup() {
	if [ -n "$RPID" ]; then
		kill "$RPID" 2>/dev/null
		sleep 0.2
		kill -9 "$RPID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() {
	echo "ingest: error: $*" >&2
	exit 1
}

for f in "$VIGILD" "$VIGILCTL"; do
	[ -x "$f" ] || die "$f not built"
done
mkdir -p "$VIGIL_BUILD/bench"
gcc -std=c11 -O2 -pthread -Wall -Wextra -Werror -Wshadow \
    -Wstrict-prototypes -Wvla -o "$LOADGEN" tools/loadgen.c ||
	die "cannot build tools/loadgen.c"

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "ingest: machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -r)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ingest: load: $N messages, $K senders, RFC 5424/3164 mix," \
    "flat out; udp datagrams, tcp octet-counted"

. tests/integration/ports.sh

# The monitor: runs loadgen, watches the receiver's CPU time, prints
# "t0 t_end cpu_seconds" then loadgen's own line.
cat >"$T/monitor.py" <<'PYEOF'
import glob, subprocess, sys, time

pid = sys.argv[1]
cmd = sys.argv[2:]
POLL = 0.010
BUSY = 0.10 * POLL        # CPU seconds per poll that count as busy
QUIET = 0.300             # idle this long after the senders: done
LIMIT = 60.0

def cpu():
    total = 0
    for f in glob.glob("/proc/%s/task/*/schedstat" % pid):
        try:
            with open(f) as fh:
                total += int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass                   # a thread that just ended
    return total / 1e9

c_start = prev = cpu()
lg = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
start = time.time()
last_busy = time.time()
done_at = None
while True:
    time.sleep(POLL)
    now = time.time()
    c = cpu()
    if c - prev >= BUSY:
        last_busy = now
    prev = c
    if done_at is None and lg.poll() is not None:
        done_at = now
    if done_at is not None and now - max(last_busy, done_at) >= QUIET:
        break
    if now - start > LIMIT:
        print("monitor: receiver still busy after %.0f s" % LIMIT,
              file=sys.stderr)
        break
out = lg.stdout.read().strip()
if lg.returncode != 0:
    print("monitor: loadgen exited with %d" % lg.returncode, file=sys.stderr)
    sys.exit(1)
t0 = [w.split("=", 1)[1] for w in out.split() if w.startswith("t0=")][0]
print("%s %.6f %.6f" % (t0, last_busy, prev - c_start))
print(out)
PYEOF

# measure NAME PROTO PORT PID NICE: runs the load against a receiver
# (the senders at nice NICE); sets M_T0 M_TEND M_CPU M_SENT.
measure() {
	$PY "$T/monitor.py" "$4" nice -n "$5" "$LOADGEN" -p "$3" -m "$2" \
	    -n "$N" -k "$K" -s 7 >"$T/m.out" || die "$1 $2: load run failed"
	read -r M_T0 M_TEND M_CPU <"$T/m.out"
	M_SENT=$(sed -n 's/.* sent=\([0-9]*\) .*/\1/p' "$T/m.out")
	[ "$M_SENT" = "$N" ] || die "$1 $2: loadgen sent ${M_SENT:-?} of $N"
}

# ---- vigild -------------------------------------------------------------

run_vigild() {
	proto=$1
	nice=$2
	P=$(free_port)
	S=$(free_port)
	cat >"$T/vigil.conf" <<CONF
syslog_udp 127.0.0.1:$P
syslog_tcp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
status_udp 127.0.0.1:$S
noc_allow 127.0.0.1/32
host bench 127.0.0.1
CONF
	"$VIGILD" -c "$T/vigil.conf" >"$T/vigild.log" 2>&1 &
	RPID=$!
	i=0
	while ! grep -q ': ready' "$T/vigild.log" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$RPID" 2>/dev/null; then
			cat "$T/vigild.log" >&2
			die "vigild did not start"
		fi
		sleep 0.1
	done
	measure vigild "$proto" "$P" "$RPID" "$nice"
	"$VIGILCTL" -s 127.0.0.1:"$S" status --json >"$T/s.json" ||
		die "vigilctl status failed"
	C=$($PY -c 'import json,sys
j = json.load(open(sys.argv[1]))
print(sum(h["messages"] for h in j["hosts"] if h["name"] == "bench"))' \
	    "$T/s.json") || die "cannot read vigild's count"
	# How the reads went: datagrams per recvmmsg(2), bytes per read.
	DIAG=$($PY -c 'import json,sys
n = json.load(open(sys.argv[1]))["summary"]["net"]
if sys.argv[2] == "udp":
    print("%d recvmmsg calls returned data, %.1f datagrams each" %
          (n["udp_batches"], n["udp_datagrams"] / max(1, n["udp_batches"])))
else:
    print("%d TCP bytes read" % n["tcp_bytes"])' "$T/s.json" "$proto")
	kill -TERM "$RPID"
	wait "$RPID"
	RPID=
}

# ---- rsyslog ------------------------------------------------------------

run_rsyslog() {
	proto=$1
	nice=$2
	P=$(free_port)
	rm -rf "$T/rs"
	mkdir -p "$T/rs/work"
	# A dedicated ruleset keeps rsyslog's own start/stop messages out
	# of the count.
	cat >"$T/rs/rsyslog.conf" <<CONF
global(workDirectory="$T/rs/work" maxMessageSize="8k")
module(load="impstats" interval="1" format="json" resetCounters="off"
       log.syslog="off" log.file="$T/rs/stats.json")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="127.0.0.1" port="$P" rcvbufSize="4m"
      ruleset="sink")
input(type="imtcp" address="127.0.0.1" port="$P" ruleset="sink")
ruleset(name="sink") {
	action(type="omfile" name="devnull" file="/dev/null")
}
CONF
	"$RSYSLOGD" -n -f "$T/rs/rsyslog.conf" -i "$T/rs/rsyslogd.pid" \
	    >"$T/rs/out.log" 2>&1 &
	RPID=$!
	# Ready when impstats has written its first record (listeners are
	# up before the main loop starts).
	i=0
	while ! grep -q '"devnull"' "$T/rs/stats.json" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 50 ] || ! kill -0 "$RPID" 2>/dev/null; then
			cat "$T/rs/out.log" >&2
			die "rsyslogd did not start"
		fi
		sleep 0.1
	done
	measure rsyslog "$proto" "$P" "$RPID" "$nice"
	# impstats writes every second: wait for two records after the
	# end, then take the last.
	before=$(grep -c '"devnull"' "$T/rs/stats.json")
	i=0
	while [ "$(grep -c '"devnull"' "$T/rs/stats.json")" -lt \
	    $((before + 2)) ]; do
		i=$((i + 1))
		[ $i -gt 50 ] && die "rsyslog impstats stopped"
		sleep 0.1
	done
	C=$(grep '"devnull"' "$T/rs/stats.json" | tail -n 1 |
	    sed -n 's/.*"processed": *\([0-9]*\).*/\1/p')
	[ -n "$C" ] || die "cannot read rsyslog's count"
	DIAG=
	if [ "$proto" = udp ]; then
		DIAG=$(grep '"imudp(w0)"' "$T/rs/stats.json" | tail -n 1 |
		    $PY -c 'import json,sys
line = sys.stdin.read()
j = json.loads(line[line.index("{"):])
c = j["called.recvmmsg"]
print("%d recvmmsg calls, %.1f datagrams each" %
      (c, j["msgs.received"] / max(1, c)))')
	fi
	kill -TERM "$RPID"
	wait "$RPID"
	RPID=
}

# report LABEL RECEIVER: prints the informational line, sets RATE.
report() {
	RATE=$($PY -c 'import sys
c, t0, t1 = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print("%.0f" % (c / (t1 - t0) if t1 > t0 else 0))' "$C" "$M_T0" "$M_TEND")
	$PY -c 'import sys
n, c = int(sys.argv[1]), int(sys.argv[2])
t0, t1, cpu = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print("ingest: %s %s: counted %d of %d (%.1f%% lost) in %.3f s; "
      "%.3f CPU s, %.2f us CPU per message%s" % (sys.argv[6], sys.argv[7],
      c, n, 100.0 * (n - c) / n, t1 - t0, cpu, cpu / c * 1e6 if c else 0,
      "; " + sys.argv[8] if sys.argv[8] else ""))' \
	    "$N" "$C" "$M_T0" "$M_TEND" "$M_CPU" "$1" "$2" "$DIAG"
}

# ratio V R: V / R to two decimals (0 when R is 0)
ratio() {
	$PY -c 'import sys
v, r = float(sys.argv[1]), float(sys.argv[2])
print("%.2f" % (v / r if r else 0))' "$1" "$2"
}

# median of the arguments (an odd count of numbers)
median() {
	printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"
}

# run LABEL PROTO NICE: both receivers, one after the other, same load,
# TRIALS times over (vigild, rsyslog, vigild, rsyslog, ...); the figures
# are the medians, each trial's ratio is printed too.
run() {
	VR= VL= RR= RL= PAIRS=
	t=0
	while [ $t -lt "$TRIALS" ]; do
		t=$((t + 1))
		run_vigild "$2" "$3"
		report "$1" vigild
		VR="$VR $RATE"
		VL="$VL $((N - C))"
		v=$RATE
		if [ $have_rsyslog = 1 ]; then
			run_rsyslog "$2" "$3"
			report "$1" rsyslog
			RR="$RR $RATE"
			RL="$RL $((N - C))"
			PAIRS="$PAIRS $(ratio "$v" "$RATE")"
		fi
	done
	# shellcheck disable=SC2086 # word splitting is the point
	VRATE=$(median $VR) VLOSS=$(median $VL)
	echo "bench: ingest_${1}_vigild $VRATE msg/s"
	echo "bench: ingest_${1}_loss_vigild $VLOSS msg"
	[ $have_rsyslog = 1 ] || return 0
	# shellcheck disable=SC2086
	RRATE=$(median $RR) RLOSS=$(median $RL)
	echo "ingest: ${1}: ratio in each trial:$PAIRS"
	echo "bench: ingest_${1}_rsyslog $RRATE msg/s"
	echo "bench: ingest_${1}_loss_rsyslog $RLOSS msg"
	echo "bench: ingest_${1}_ratio $(ratio "$VRATE" "$RRATE") x"
}

have_rsyslog=1
[ -x "$RSYSLOGD" ] || have_rsyslog=0
[ $have_rsyslog = 1 ] ||
	echo "ingest: rsyslogd not installed (Debian package rsyslog):" \
	    "no comparison"
for r in $RUNS; do
	case $r in
	udp) run udp udp 0 ;;
	tcp) run tcp tcp 0 ;;
	udp_niced) run udp_niced udp 19 ;;
	*) die "unknown run $r (BENCH_INGEST_RUNS)" ;;
	esac
done
exit 0
