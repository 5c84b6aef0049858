# test_status.sh - vigilctl against vigild's status channel: status, hosts
# and --json over TCP and UDP; reset-counters with the right key, a wrong
# key and a replayed request; oversized and garbage frames and datagrams;
# the connection limit and the idle timeout; the NOC allow-list and key
# taking effect at SIGHUP.  Every refusal must be counted, vigild must
# stay up, allocate nothing after start-up and stop cleanly.
. tests/integration/lib.sh

P=$(free_port)
S=$(free_port)
[ -n "$P" ] && [ -n "$S" ] || skip "no free port"
K1=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
K2=ffeeddccbbaa99887766554433221100
echo "$K1" >"$T/key1"
printf '  %s\n\n' "$K2" >"$T/key2"   # whitespace around it is ignored
echo "0badc0de0badc0de0badc0de0badc0de" >"$T/badkey"

conf() { # conf ALLOW KEY EXTRA-HOSTS
	cat <<CONF
syslog_udp 127.0.0.1:$P
syslog_tcp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
status_udp 127.0.0.1:$S
noc_allow $1
noc_key $2
host localhost 127.0.0.1
host hv02 10.77.42.2 fd00:77:42::2
CONF
	i=0
	while [ $i -lt "$3" ]; do
		i=$((i + 1))
		# Long names make the host list outgrow one UDP datagram.
		echo "host hv-with-a-rather-long-name-to-fill-the-datagram-$i 10.9.0.$i"
	done
}
conf 127.0.0.1/32 "$K1" 0 >"$T/vigil.conf"
start_vigild "$T/vigil.conf"

ctl() { "$VIGILCTL" -s 127.0.0.1:"$S" -t 3 "$@"; }
summary() { # summary EXPR: a value of the summary, via TCP
	ctl summary --json >"$T/sum.json" || fail "vigilctl summary failed"
	jget "$T/sum.json" "j['summary']$1"
}
expect() { # expect EXPR VALUE
	v=$(summary "$1")
	[ "$v" = "$2" ] || fail "summary$1 is $v, expected $2"
}

# ---- queries ---------------------------------------------------------------
"$VIGILCTL" --version | grep -q '^vigilctl ' || fail "--version"
"$VIGILCTL" --help | grep -q 'reset-counters' || fail "--help"
"$VIGILCTL" bogus-command 2>/dev/null; [ $? -eq 2 ] || fail "usage exit"
"$VIGILCTL" -s nonsense status 2>/dev/null; [ $? -eq 2 ] || fail "-s exit"

for i in 1 2 3; do
	logger --udp -n 127.0.0.1 -P "$P" -t statustest -p user.err "msg $i" ||
		fail "logger failed"
done
check3() {
	ctl status --json >"$T/s.json" 2>/dev/null &&
	    [ "$(host_messages "$T/s.json" localhost)" = 3 ]
}
wait_for check3 || fail "expected 3 messages: $(cat "$T/s.json")"
[ "$(jget "$T/s.json" "[h['severity'][3] for h in j['hosts'] if h['name']=='localhost'][0]")" = 3 ] ||
	fail "severity err not counted"
[ "$(jget "$T/s.json" "[h['addresses'] for h in j['hosts'] if h['name']=='hv02'][0]")" = \
    "['10.77.42.2', 'fd00:77:42:0:0:0:0:2']" ] || fail "hv02 addresses"
[ "$(jget "$T/s.json" "j['summary']['hosts_configured']")" = 2 ] ||
	fail "hosts_configured"
[ "$(jget "$T/s.json" "j['summary']['version']")" != "" ] || fail "version"

ctl status >"$T/s.txt" || fail "status (table) failed"
# HOST HEALTH SCORE EVAC_S MESSAGES ...: a host new to vigild is at most
# suspect while it is learnt.
grep -Eq '^localhost +(healthy|suspect) +0\.[0-9]+ +- +3 ' "$T/s.txt" ||
	fail "table: $(cat "$T/s.txt")"
[ "$(jget "$T/s.json" "[h['health'] in ('healthy', 'suspect') and 0 <= h['score'] <= 0.25 for h in j['hosts'] if h['name']=='localhost'][0]")" = True ] ||
	fail "health: $(cat "$T/s.json")"
ctl hosts >"$T/h.txt" || fail "hosts failed"
grep -q '^hv02 ' "$T/h.txt" || fail "hosts table: $(cat "$T/h.txt")"
ctl hosts --json >"$T/h.json" || fail "hosts --json failed"
[ "$(host_messages "$T/h.json" localhost)" = 3 ] || fail "hosts --json"

ctl --udp status --json >"$T/u.json" || fail "status over UDP failed"
[ "$(host_messages "$T/u.json" localhost)" = 3 ] || fail "UDP status"
ctl --udp summary >/dev/null || fail "summary over UDP failed"

# ---- reset-counters --------------------------------------------------------
ctl reset-counters 2>/dev/null; [ $? -eq 2 ] || fail "reset without key: 2"
ctl -k "$T/badkey" reset-counters 2>"$T/err"
[ $? -eq 1 ] || fail "reset with a bad key must exit 1"
grep -q 'authentication' "$T/err" || fail "bad key message: $(cat "$T/err")"
expect "['status']['auth_failures']" 1
expect "['status']['counter_resets']" 0
ctl status --json >"$T/s.json"
[ "$(host_messages "$T/s.json" localhost)" = 3 ] || fail "bad key reset"

VIGIL_NOC_KEY_FILE="$T/key1" ctl reset-counters >/dev/null ||
	fail "reset with the key failed"
expect "['status']['counter_resets']" 1
ctl status --json >"$T/s.json"
[ "$(host_messages "$T/s.json" localhost)" = 0 ] || fail "not reset"
[ "$(jget "$T/s.json" "j['summary']['ingest']['accepted']")" = 0 ] ||
	fail "ingest counters not reset"
[ "$(jget "$T/s.json" "j['summary']['net']['udp_datagrams']")" = 0 ] ||
	fail "net counters not reset"
ctl --udp -k "$T/key1" reset-counters >/dev/null ||
	fail "reset over UDP failed"
expect "['status']['counter_resets']" 2

# A replay: capture what vigilctl sends (to a listener that answers
# nothing), then send those bytes to vigild twice.
R=$(free_port)
$PY - "$R" "$T/frame" <<'PYEOF' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); s.settimeout(10)
c, _ = s.accept(); c.settimeout(5)
data = b""
while True:
    try:
        d = c.recv(4096)
    except socket.timeout:
        break
    if not d:
        break
    data += d
    n = shift = i = 0
    while i < len(data) and i < 5:
        n |= (data[i] & 0x7f) << shift
        shift += 7
        i += 1
        if data[i - 1] < 0x80:
            break
    if data[i - 1] < 0x80 and len(data) >= i + n:
        break
open(sys.argv[2], "wb").write(data)
c.close()
PYEOF
CAP=$!
sleep 0.3
"$VIGILCTL" -s 127.0.0.1:"$R" -t 3 -k "$T/key1" reset-counters 2>/dev/null
[ $? -eq 1 ] || fail "capture: vigilctl should see the connection closed"
wait $CAP
[ -s "$T/frame" ] || fail "no request captured"
sendraw() { # sendraw FILE: one TCP connection, the bytes, the reply's size
	$PY - "$S" "$1" <<'PYEOF'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
c.sendall(open(sys.argv[2], "rb").read())
r = b""
try:
    while True:
        d = c.recv(4096)
        if not d:
            break
        r += d
        if r[0] < 0x80 and len(r) >= 1 + r[0]:
            break  # a complete frame (replies here are short)
except socket.timeout:
    pass
print(len(r))
PYEOF
}
[ "$(sendraw "$T/frame")" -gt 0 ] || fail "first copy of the command"
expect "['status']['counter_resets']" 3
[ "$(sendraw "$T/frame")" -gt 0 ] || fail "a replay gets an error reply"
expect "['status']['counter_resets']" 3
expect "['status']['replays']" 1
expect "['status']['nonces_used']" 3

# ---- garbage ---------------------------------------------------------------
closed() { # closed HEX: send bytes; 0 if vigild closes without replying
	$PY - "$S" "$1" <<'PYEOF'
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
c.sendall(bytes.fromhex(sys.argv[2]))
try:
    d = c.recv(100)
except ConnectionResetError:
    d = b""
sys.exit(0 if d == b"" else 1)
PYEOF
}
bad0=$(summary "['status']['bad_requests']")
closed "ffffffff0f" || fail "oversized length not closed"
closed "80808080808001" || fail "overlong varint not closed"
closed "818001" || fail "length just over the limit not closed"
closed "05ffffffffff" || fail "undecodable request not closed"
closed "0a0a0a0a0a0a0a0a0a0a0a" || fail "bad body not closed"
$PY - "$S" <<'PYEOF' || fail "udp garbage got an answer"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
a = ("127.0.0.1", int(sys.argv[1]))
s.sendto(b"\xff" * 20, a)          # undecodable
s.sendto(b"\x08" * 1300, a)        # larger than a status datagram
try:
    s.recv(2000)
    sys.exit(1)
except socket.timeout:
    pass
PYEOF
kill -0 "$VIGILD_PID" || fail "vigild died on garbage"
expect "['status']['bad_requests']" $((bad0 + 7))

# ---- connection limit and idle timeout -------------------------------------
# VIGIL_MAX_STATUS_CONN (8) idle connections; the next one is refused; all
# eight are closed by the idle timeout (VIGIL_STATUS_IDLE_S, 10 s).
$PY - "$S" 8 "$T/idle" <<'PYEOF' &
import socket, sys, time
n = int(sys.argv[2])
cs = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(n)]
open(sys.argv[3] + ".up", "w").close()
closed = 0
for c in cs:
    c.settimeout(20)
    try:
        if c.recv(10) == b"":
            closed += 1
    except (socket.timeout, ConnectionResetError):
        pass
open(sys.argv[3], "w").write(str(closed))
PYEOF
IDLE=$!
wait_for test -f "$T/idle.up" || fail "idle connections not opened"
sleep 0.3
ctl status >/dev/null 2>&1; [ $? -eq 1 ] || fail "ninth connection served"
wait $IDLE
[ "$(cat "$T/idle")" = 8 ] || fail "idle connections closed: $(cat "$T/idle")"
expect "['status']['tcp_refused']" 1
expect "['status']['tcp_closed_idle']" 8

# ---- reload: allow-list, key, a host list too large for UDP ----------------
conf 10.0.0.0/8 "$K2" 24 >"$T/vigil.conf"
kill -HUP "$VIGILD_PID"
wait_for grep -q 'reload: .* applied' "$T/vigild.log" || fail "no reload"
ctl status 2>/dev/null; [ $? -eq 1 ] || fail "TCP from outside noc_allow"
ctl --udp -t 1 status 2>/dev/null
[ $? -eq 3 ] || fail "UDP from outside noc_allow must time out"
conf 127.0.0.1/32 "$K2" 24 >"$T/vigil.conf"
kill -HUP "$VIGILD_PID"
reloaded_twice() { [ "$(grep -c 'reload: .* applied' "$T/vigild.log")" = 2 ]; }
wait_for reloaded_twice || fail "no second reload"
expect "['status']['refused_acl']" 2

ctl status --json >"$T/s.json" || fail "status with 26 hosts"
[ "$(jget "$T/s.json" 'len(j["hosts"])')" = 26 ] || fail "26 hosts expected"
# The same list fetched 5 hosts per request.
ctl --page 5 status --json >"$T/p.json" || fail "status, 5 hosts a page"
[ "$(jget "$T/p.json" '[h["name"] for h in j["hosts"]]')" = \
    "$(jget "$T/s.json" '[h["name"] for h in j["hosts"]]')" ] ||
	fail "paged host list differs"
ctl --page 7 --udp hosts >/dev/null || fail "UDP hosts, 7 a page"
ctl --udp status 2>"$T/err"; [ $? -eq 1 ] || fail "UDP status too large"
grep -q 'use TCP' "$T/err" || fail "use TCP message: $(cat "$T/err")"
expect "['status']['udp_too_big']" 1
ctl --udp summary >/dev/null || fail "UDP summary after reload"
ctl -k "$T/key1" reset-counters 2>/dev/null
[ $? -eq 1 ] || fail "the old key must be refused after reload"
ctl -k "$T/key2" reset-counters >/dev/null || fail "the new key"
expect "['status']['counter_resets']" 4
expect "['status']['auth_failures']" 2

# ---- the end ---------------------------------------------------------------
expect "['arena']['allocs_after_seal']" 0
expect "['arena']['failures']" 0
stop_vigild
grep -q 'allocations after start-up, 0 refused' "$T/vigild.log" ||
	fail "arena refused allocations"
echo "ok: status channel"
