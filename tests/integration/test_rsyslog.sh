# test_rsyslog.sh - rsyslog relays to vigild with omfwd, as hypervisor
# hosts do: TCP with octet-counted framing (RFC 5424 template), TCP with
# traditional LF framing (rsyslog's forward format, RFC 3164 with RFC 3339
# dates) and UDP (the traditional forward format).  vigild counts every
# message, once, for the host of the source address, as a warning,
# without parse errors, and stops cleanly.
#
# The test's own rsyslogd (own config, pid file, work directory; no system
# inputs) reads three files with imfile, one per framing, each bound to a
# ruleset with one omfwd action.  The phases run one after the other, so
# a miscount names its framing.  rsyslog's TCP connections come from
# 127.0.0.1 (host "relay"); its UDP socket is bound to 127.0.0.4 (host
# "relayudp"), so the UDP count is checked apart; host "idle" must stay
# at zero.
. tests/integration/lib.sh
RSYSLOGD=$(command -v rsyslogd 2>/dev/null || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || skip "rsyslogd not installed (Debian package rsyslog)"

# A second loopback source address for the UDP relay, if this machine
# routes 127.0.0.0/8 to lo (Linux does); else everything is "relay".
UDP_SRC=127.0.0.4
$PY -c 'import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.4", 0))' \
    2>/dev/null || UDP_SRC=127.0.0.1

P=$(free_port)
S=$(free_port)
cat >"$T/vigil.conf" <<CONF
syslog_udp 127.0.0.1:$P
syslog_tcp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
status_udp 127.0.0.1:$S
noc_allow 127.0.0.1/32
host relay 127.0.0.1
host idle 127.0.0.9
CONF
[ "$UDP_SRC" = 127.0.0.1 ] || echo "host relayudp $UDP_SRC" >>"$T/vigil.conf"
start_vigild "$T/vigil.conf"

mkdir -p "$T/rs/work"
: >"$T/in-oc.log"
: >"$T/in-lf.log"
: >"$T/in-udp.log"
cat >"$T/rs/rsyslog.conf" <<CONF
global(workDirectory="$T/rs/work" maxMessageSize="8k")
module(load="imfile")
input(type="imfile" file="$T/in-oc.log" tag="vigiltest:" facility="daemon"
      severity="warning" ruleset="oc")
input(type="imfile" file="$T/in-lf.log" tag="vigiltest:" facility="daemon"
      severity="warning" ruleset="lf")
input(type="imfile" file="$T/in-udp.log" tag="vigiltest:" facility="daemon"
      severity="warning" ruleset="udp")
ruleset(name="oc") {
	action(type="omfwd" target="127.0.0.1" port="$P" protocol="tcp"
	       TCP_Framing="octet-counted"
	       template="RSYSLOG_SyslogProtocol23Format"
	       action.resumeRetryCount="-1" action.resumeInterval="1")
}
ruleset(name="lf") {
	action(type="omfwd" target="127.0.0.1" port="$P" protocol="tcp"
	       template="RSYSLOG_ForwardFormat"
	       action.resumeRetryCount="-1" action.resumeInterval="1")
}
ruleset(name="udp") {
	action(type="omfwd" target="127.0.0.1" port="$P" protocol="udp"
	       address="$UDP_SRC" template="RSYSLOG_TraditionalForwardFormat")
}
CONF
"$RSYSLOGD" -N1 -f "$T/rs/rsyslog.conf" >"$T/rs/check.log" 2>&1 ||
	fail "rsyslog rejects the test config: $(cat "$T/rs/check.log")"
"$RSYSLOGD" -n -f "$T/rs/rsyslog.conf" -i "$T/rs/rsyslogd.pid" \
    >"$T/rs/out.log" 2>&1 &
RS_PID=$!
PIDS="$PIDS $RS_PID"

# lines FILE COUNT TAG: appends COUNT varied lines (tabs, UTF-8, quotes,
# brackets, a leading digit, one line of 3000 bytes when COUNT > 100).
lines() {
	$PY - "$1" "$2" "$3" <<'PYEOF'
import sys
path, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
shapes = [
    "kvm [%d]: vcpu3, guest rIP: 0xffffffff8106b4a2 unhandled rdmsr: 0x%x",
    "%d: error : qemuMonitorIO:%d : internal error: End of file from qemu",
    "br0: port %d(vnet7) entered \"forwarding\" state [x=%d]",
    "EDAC MC0: 1 CE memory read error\ton channel:%d slot:%d",
    "caf\u00e9 r\u00e9seau \u2713 %d <%d> not a pri",
    "%d leading digit, then %d more",
]
with open(path, "a", encoding="utf-8") as f:
    for i in range(n):
        s = shapes[i % len(shapes)] % (i, i * 7)
        if n > 100 and i == n // 2:
            s = "long " + "x" * 3000
        f.write("%s %d %s\n" % (tag, i, s))
PYEOF
}

# count NAME: the host's message count, or -1 if status does not answer.
count() {
	"$VIGILCTL" -s 127.0.0.1:"$S" status --json >"$T/s.json" 2>/dev/null ||
		{ echo -1; return; }
	host_messages "$T/s.json" "$1"
}
expect() {
	[ "$(count "$1")" = "$2" ]
}

N_OC=400
N_LF=400
N_UDP=200
lines "$T/in-oc.log" $N_OC oc || fail "cannot write input"
wait_for expect relay $N_OC ||
	fail "octet-counted TCP: expected $N_OC for relay, got $(count relay)"
lines "$T/in-lf.log" $N_LF lf || fail "cannot write input"
n=$((N_OC + N_LF))
wait_for expect relay $n ||
	fail "LF-delimited TCP: expected $n for relay, got $(count relay)"
lines "$T/in-udp.log" $N_UDP udp || fail "cannot write input"
if [ "$UDP_SRC" = 127.0.0.1 ]; then
	n=$((n + N_UDP))
	wait_for expect relay $n ||
		fail "UDP: expected $n for relay, got $(count relay)"
else
	wait_for expect relayudp $N_UDP ||
		fail "UDP: expected $N_UDP for relayudp, got $(count relayudp)"
fi
# Nothing more arrives (no duplicates from retries), nothing elsewhere.
sleep 1
expect relay $n || fail "relay: $(count relay) messages, expected $n"
if [ "$UDP_SRC" != 127.0.0.1 ]; then
	expect relayudp $N_UDP ||
		fail "relayudp: $(count relayudp) messages, expected $N_UDP"
	total=$((n + N_UDP))
else
	total=$n
fi
expect idle 0 || fail "idle host counted $(count idle) messages"
[ "$(jget "$T/s.json" 'j["summary"]["ingest"]["unknown_source"]')" = 0 ] ||
	fail "messages counted as unknown source"
[ "$(jget "$T/s.json" 'j["summary"]["ingest"]["parse_errors"]')" = 0 ] ||
	fail "rsyslog's formats gave parse errors: $(cat "$T/s.json")"
[ "$(jget "$T/s.json" 'j["summary"]["net"]["tcp_messages"]')" = \
    $((N_OC + N_LF)) ] || fail "TCP framed a wrong number of messages"
[ "$(jget "$T/s.json" 'j["summary"]["net"]["tcp_closed_frame"]')" = 0 ] ||
	fail "a TCP connection was closed on malformed framing"
[ "$(jget "$T/s.json" 'j["summary"]["ingest"]["truncated"]')" = 0 ] ||
	fail "messages were truncated"
# The HOSTNAME field rsyslog wrote (its short host name) was parsed; it is
# only displayed, never used to identify the host.
hn=$($PY -c 'import socket; print(socket.gethostname().split(".")[0])')
for h in relay relayudp; do
	[ "$UDP_SRC" = 127.0.0.1 ] && [ $h = relayudp ] && continue
	got=$(jget "$T/s.json" \
	    "[x['last_hostname'] for x in j['hosts'] if x['name']=='$h'][0]")
	[ "$got" = "$hn" ] || fail "$h: last hostname '$got', expected '$hn'"
done
# imfile tagged every line daemon.warning: severity 4.
w=$(jget "$T/s.json" "sum(h['severity'][4] for h in j['hosts'])")
[ "$w" = "$total" ] || fail "expected $total warnings, got $w"

kill -TERM "$RS_PID"
wait "$RS_PID"
stop_vigild
grep -q 'allocations after start-up, 0 refused' "$T/vigild.log" ||
	fail "arena refused allocations"
echo "ok: rsyslog relayed $N_OC octet-counted, $N_LF LF-delimited and" \
    "$N_UDP UDP messages; vigild counted all $total for the right hosts"
