# test_daemon.sh - vigild as an operator meets it: --help, --version, -t
# with line-numbered errors, a static binary, unknown sources dropped and
# counted, SIGHUP reload that keeps TCP connections and counters (and
# refuses a broken file), daemon mode with a pid file, privilege drop, and
# a clean SIGTERM.
. tests/integration/lib.sh

"$VIGILD" --help | grep -q 'usage: vigild' || fail "--help"
"$VIGILD" --version | grep -q '^vigild [0-9]' || fail "--version"
"$VIGILD" --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option should exit 2"
"$VIGILD" -t >/dev/null || fail "embedded default config does not check"
"$VIGILD" -p | grep -q '^syslog_udp 127.0.0.1:5514' || fail "-p"
"$VIGILD" -t -c firmware/vigil.conf.sample >/dev/null ||
	fail "sample config does not check"

# Errors name their lines; exit status 1.
printf 'syslog_udp 127.0.0.1:1\nbogus x\nhost a;b 10.0.0.1\n' >"$T/bad.conf"
"$VIGILD" -t -c "$T/bad.conf" >"$T/t.out" 2>&1
[ $? -eq 1 ] || fail "bad config should exit 1"
grep -q 'bad.conf:2: unknown directive: bogus' "$T/t.out" || fail "line 2 error: $(cat "$T/t.out")"
grep -q 'bad.conf:3: ' "$T/t.out" || fail "line 3 error"

# The shipped binary is static.
if [ -z "${VIGIL_ASAN:-}" ]; then
	readelf -d "$VIGILD" 2>&1 | grep -q 'There is no dynamic section' ||
		fail "vigild is not static"
fi

P=$(free_port)
S=$(free_port)
write_conf() {
	cat >"$T/vigil.conf" <<CONF
syslog_udp 127.0.0.1:$P
syslog_tcp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
status_udp 127.0.0.1:$S
noc_allow 127.0.0.1/32
pidfile $T/vigild.pid
$1
CONF
}
write_conf "host loop1 127.0.0.1"
start_vigild "$T/vigil.conf"
[ "$(cat "$T/vigild.pid")" = "$VIGILD_PID" ] || fail "pid file"

# A long-lived TCP sender (python), and messages from an unknown source
# (127.0.0.2) over UDP and TCP.
$PY - "$P" "$T/go" <<'PYEOF' &
import socket, sys, time, os
port, go = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
def send(i):
    m = b"<13>1 2026-01-01T00:00:00Z h app - - - tcp message %d" % i
    s.sendall(b"%d %s" % (len(m), m))
for i in range(5):
    send(i)
# Wait for the reload, then send more on the same connection.
for _ in range(200):
    if os.path.exists(go):
        break
    time.sleep(0.05)
for i in range(5, 10):
    send(i)
time.sleep(0.5)
s.close()
PYEOF
PIDS=$!
$PY - "$P" <<'PYEOF'
import socket, sys
port = int(sys.argv[1])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.2", 0))
for i in range(3):
    u.sendto(b"<13>Jan  1 00:00:00 stranger app: hello", ("127.0.0.1", port))
t = socket.socket()
t.bind(("127.0.0.2", 0))
t.connect(("127.0.0.1", port))
t.sendall(b"<13>Jan  1 00:00:00 stranger app: over tcp\n")
t.close()
PYEOF

count() {
	"$VIGILCTL" -s 127.0.0.1:"$S" status --json >"$T/s.json" 2>/dev/null &&
	    [ "$(host_messages "$T/s.json" "$1")" = "$2" ]
}
wait_for count loop1 5 || fail "5 TCP messages before reload: $(cat "$T/s.json")"
unk() {
	"$VIGILCTL" -s 127.0.0.1:"$S" status --json >"$T/s.json" 2>/dev/null &&
	    [ "$(jget "$T/s.json" 'j["summary"]["ingest"]["unknown_source"] + j["summary"]["net"]["tcp_unknown_source"]')" = 4 ]
}
wait_for unk || fail "unknown sources not counted: $(cat "$T/s.json")"

# A broken file at SIGHUP is refused; the running config stays.
cp "$T/vigil.conf" "$T/good.conf"
echo "bogus" >>"$T/vigil.conf"
kill -HUP "$VIGILD_PID"
wait_for grep -q 'reload: .* refused' "$T/vigild.log" || fail "bad reload not refused"
# A good reload adds a host and keeps loop1's counters and connection.
write_conf "host loop1 127.0.0.1
host other 192.0.2.7"
kill -HUP "$VIGILD_PID"
wait_for grep -q 'reload: .* applied (2 hosts)' "$T/vigild.log" || fail "reload not applied"
touch "$T/go"
wait_for count loop1 10 || fail "connection or counters lost across reload: $(cat "$T/s.json")"
kill -0 "$VIGILD_PID" || fail "vigild died"
wait "$PIDS"
PIDS=
stop_vigild
[ ! -f "$T/vigild.pid" ] || fail "pid file left behind"
grep -q 'at exit: 0 of' "$T/vigild.log" || fail "arena not empty at exit: $(grep arena "$T/vigild.log")"

# Daemon mode, and dropping root to an unprivileged user.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	write_conf "host loop1 127.0.0.1
user nobody
log_file $T/daemon.log"
	chmod 755 "$T"
	"$VIGILD" -d -c "$T/vigil.conf" || fail "-d failed"
	wait_for grep -q ': ready' "$T/daemon.log" || fail "daemon not ready"
	VIGILD_PID=$(cat "$T/vigild.pid")
	grep -q 'running as user nobody' "$T/daemon.log" || fail "no privilege drop"
	[ "$(stat -c %U /proc/"$VIGILD_PID")" = nobody ] || fail "daemon runs as $(stat -c %U /proc/"$VIGILD_PID")"
	# The detached process reads syslog over both transports (the UDP
	# reader thread starts after the fork).
	logger --udp -n 127.0.0.1 -P "$P" "daemon udp" || fail "logger udp"
	logger --tcp -n 127.0.0.1 -P "$P" "daemon tcp" || fail "logger tcp"
	daemon_counted() {
		"$VIGILCTL" -s 127.0.0.1:"$S" status --json >"$T/d.json" 2>/dev/null &&
		    [ "$(host_messages "$T/d.json" loop1)" = 2 ]
	}
	wait_for daemon_counted || fail "daemon did not count 2 messages"
	[ "$(ls /proc/"$VIGILD_PID"/task | wc -l)" = 2 ] ||
		fail "expected the loop and the UDP reader: $(ls /proc/"$VIGILD_PID"/task | wc -l) threads"
	kill -TERM "$VIGILD_PID"
	wait_for sh -c "! kill -0 $VIGILD_PID 2>/dev/null" || fail "daemon did not stop"
	VIGILD_PID=
fi
echo "ok"
