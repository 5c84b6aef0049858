# test_udp_flood.sh - the UDP reader thread and its ring (4 MiB) under
# load: some 137 MB of datagrams of every size up to over the limit go
# through, so the ring wraps over thirty times at every kind of offset
# (and its positions go across 2^32, which they start just short of).
# Every datagram sent is counted, none is damaged on the way (no parse
# error, the exact byte count, one template), the over-long ones are
# truncated and counted, a reload in the middle changes nothing, no
# allocation happens after start-up, and SIGTERM in the middle of a flood
# stops vigild at once.
. tests/integration/lib.sh

P=$(free_port)
S=$(free_port)
cat >"$T/vigil.conf" <<CONF
syslog_udp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
noc_allow 127.0.0.1/32
host loop 127.0.0.1
CONF
start_vigild "$T/vigil.conf"

# The sender pauses after each round until vigild has counted it all, so
# nothing is lost to a full socket buffer and the totals are exact.  It
# prints "N BYTES LONG": datagrams, their bytes, those over 8192 bytes.
$PY - "$P" "$S" "$VIGILCTL" "$VIGILD_PID" >"$T/sent" <<'PYEOF' || fail "sender failed"
import json, os, random, signal, socket, subprocess, sys, time
port, sport, ctl, pid = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
rnd = random.Random(7)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
def counted():
    out = subprocess.run([ctl, "-s", "127.0.0.1:" + sport, "status", "--json"],
                         capture_output=True, check=True).stdout
    return [h["messages"] for h in json.loads(out)["hosts"]][0]
n = total = long_ = 0
for rnd_no in range(20):
    if rnd_no == 10:
        os.kill(pid, signal.SIGHUP)      # a reload in the middle
    for _ in range(2000):
        head = b"<13>Jan  1 00:00:00 h app: flood %08d " % n
        k = rnd.choice((rnd.randrange(0, 200), rnd.randrange(0, 4000),
                        rnd.randrange(7900, 8300)))
        d = head + b"x" * k
        u.sendto(d, ("127.0.0.1", port))
        n += 1
        total += len(d)
        long_ += len(d) > 8192
    t = time.time()
    while counted() < n:
        if time.time() - t > 20:
            sys.exit("round %d: %d of %d counted" % (rnd_no, counted(), n))
        time.sleep(0.05)
print(n, total, long_)
PYEOF
read -r N BYTES LONG <"$T/sent"
"$VIGILCTL" -s 127.0.0.1:"$S" status --json >"$T/s.json" || fail "status"
h() { jget "$T/s.json" "[h['$1'] for h in j['hosts'] if h['name']=='loop'][0]"; }
[ "$(h messages)" = "$N" ] || fail "messages $(h messages), sent $N"
[ "$(h bytes)" = "$BYTES" ] || fail "bytes $(h bytes), sent $BYTES"
[ "$(h parse_errors)" = 0 ] || fail "parse errors: $(h parse_errors)"
[ "$LONG" -gt 0 ] && [ "$(h truncated)" = "$LONG" ] ||
	fail "truncated $(h truncated), sent $LONG over the limit"
net() { jget "$T/s.json" "j['summary']['net']['$1']"; }
[ "$(net udp_datagrams)" = "$N" ] || fail "udp_datagrams $(net udp_datagrams)"
[ "$(net udp_truncated)" = "$LONG" ] || fail "udp_truncated $(net udp_truncated)"
[ "$(net udp_errors)" = 0 ] || fail "udp_errors $(net udp_errors)"
tpl=$(jget "$T/s.json" "j['summary']['drain']['templates']")
[ "$tpl" -le 2 ] || fail "$tpl templates: a datagram was damaged"
[ "$(jget "$T/s.json" "j['summary']['reloads']")" = 1 ] || fail "no reload"
[ "$(jget "$T/s.json" 'j["summary"]["arena"]["allocs_after_seal"]')" = 0 ] ||
	fail "allocations after start-up: $(cat "$T/s.json")"

# SIGTERM during a flood: vigild stops within 2 s (the reader is woken
# from its blocking read, not left to its timeout).
$PY - "$P" <<'PYEOF' &
import socket, sys, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
d = b"<13>Jan  1 00:00:00 h app: flood " + b"y" * 100
end = time.time() + 4
while time.time() < end:
    try:
        u.sendto(d, ("127.0.0.1", int(sys.argv[1])))
    except OSError:
        pass
PYEOF
PIDS=$!
sleep 0.5
t0=$(date +%s%N)
stop_vigild
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 2000 ] || fail "SIGTERM during a flood took $ms ms"
echo "ok ($N datagrams, $BYTES bytes, $LONG truncated; stopped in $ms ms)"
