# test_limits.sh - hostile and oversized input over real sockets: long
# messages are truncated and counted and the TCP stream stays in sync; a
# malformed frame closes only its connection; connections past the cap are
# refused and counted; idle connections are closed; no allocation happens
# after start-up; vigild survives all of it.
. tests/integration/lib.sh

P=$(free_port)
S=$(free_port)
cat >"$T/vigil.conf" <<CONF
syslog_udp 127.0.0.1:$P
syslog_tcp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
noc_allow 127.0.0.1/32
max_tcp_connections 3
tcp_idle_timeout 2
host loop 127.0.0.1
CONF
start_vigild "$T/vigil.conf"

$PY - "$P" <<'PYEOF' || fail "sender failed"
import socket, sys, time
port = int(sys.argv[1])
def tcp():
    return socket.create_connection(("127.0.0.1", port))
def oc(m):
    return b"%d %s" % (len(m), m)
# 1. Octet-counted: 20000-byte message between two normal ones, in odd
#    chunks; then LF-delimited with a 30000-byte line.  7 messages.
s = tcp()
big = b"<13>1 2026-01-01T00:00:00Z h app - - - " + b"x" * 20000
data = oc(b"<13>1 - h app - - - first") + oc(big) + oc(b"<13>1 - h app - - - after big")
for i in range(0, len(data), 777):
    s.sendall(data[i:i + 777])
s.sendall(b"<13>Jan  1 00:00:00 h app: lf one\n" + b"<13>Jan  1 00:00:00 h app: " +
          b"y" * 30000 + b"\n" + b"<13>Jan  1 00:00:00 h app: lf after big\n" +
          b"\n\r\n" + b"<13>Jan  1 00:00:00 h app: crlf\r\n")
s.close()
# 2. UDP: a 20000-byte datagram and a normal one.  2 messages.
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"<13>Jan  1 00:00:00 h app: " + b"z" * 20000, ("127.0.0.1", port))
u.sendto(b"<13>Jan  1 00:00:00 h app: udp normal\n", ("127.0.0.1", port))
# 3. Malformed framing: octet count with a leading zero; a count that
#    never ends.  The good message before each is kept (2 messages).
for bad in (b"012 <13>hello", b"99999999999999999999 x"):
    s = tcp()
    s.sendall(oc(b"<13>1 - h app - - - before bad") + bad)
    try:
        s.settimeout(5)
        if s.recv(1) != b"":
            sys.exit("expected close")
    except ConnectionResetError:
        pass
    s.close()
# 4. Binary garbage, NUL bytes, invalid UTF-8 as LF-delimited messages
#    (3 messages).
s = tcp()
s.sendall(b"<13>\x00\x01\x02 nul\n" + b"<13>Jan  1 00:00:00 h app: \xff\xfe\xc3\x28\n" + b"\xff" * 100 + b"\n")
s.close()
PYEOF
check_counts() {
	"$VIGILCTL" -s 127.0.0.1:"$S" status --json >"$T/s.json" 2>/dev/null &&
	    [ "$(host_messages "$T/s.json" loop)" = 14 ]
}
wait_for check_counts || fail "expected 14 messages: $(cat "$T/s.json")"
tr=$(jget "$T/s.json" "[h['truncated'] for h in j['hosts'] if h['name']=='loop'][0]")
[ "$tr" = 3 ] || fail "expected 3 truncated messages, got $tr"
fr=$(jget "$T/s.json" 'j["summary"]["net"]["tcp_closed_frame"]')
[ "$fr" = 2 ] || fail "expected 2 connections closed on framing, got $fr"

# 5. Connection cap (3) and idle timeout (2 s).
$PY - "$P" <<'PYEOF' || fail "cap/idle failed"
import socket, sys, time
port = int(sys.argv[1])
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
time.sleep(0.3)
extra = socket.create_connection(("127.0.0.1", port))
extra.settimeout(5)
try:
    if extra.recv(1) != b"":
        sys.exit("connection over the cap was not closed")
except ConnectionResetError:
    pass
# The three idle ones are closed by the timeout.
for c in conns:
    c.settimeout(8)
    try:
        if c.recv(1) != b"":
            sys.exit("idle connection got data")
    except ConnectionResetError:
        pass
PYEOF
"$VIGILCTL" -s 127.0.0.1:"$S" status --json >"$T/s.json" || fail "status"
[ "$(jget "$T/s.json" 'j["summary"]["net"]["tcp_refused"]')" -ge 1 ] || fail "refusal not counted"
[ "$(jget "$T/s.json" 'j["summary"]["net"]["tcp_closed_idle"]')" -ge 3 ] || fail "idle closes not counted"
[ "$(jget "$T/s.json" 'j["summary"]["arena"]["allocs_after_seal"]')" = 0 ] ||
	fail "allocations after start-up: $(cat "$T/s.json")"
kill -0 "$VIGILD_PID" || fail "vigild died"
stop_vigild
echo ok
