# test_templates.sh - every accepted message gets a template; vigilctl
# templates shows the rack's and each host's most frequent ones; the miner
# is snapshotted at a clean stop and restored at start with the same ids;
# a corrupt snapshot is refused with a log line and an empty miner.
. tests/integration/lib.sh

P=$(free_port)
S=$(free_port)
cat >"$T/vigil.conf" <<CONF
syslog_udp 127.0.0.1:$P
syslog_tcp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
noc_allow 127.0.0.1/32
host hvA 127.0.0.1
host hvB 127.0.0.3
snapshot_file $T/templates.snap
snapshot_interval 1
CONF
start_vigild "$T/vigil.conf"
grep -q 'none yet' "$T/vigild.log" || fail "missing snapshot not reported"

# hvA: 30 lines of two shapes; hvB (from 127.0.0.3): 5 of a third shape.
$PY - "$P" <<'PYEOF' || fail "sender"
import socket, sys
port = int(sys.argv[1])
def send(src, msgs):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    for m in msgs:
        s.sendall(b"%d %s" % (len(m), m))
    s.close()
a = [b"<11>1 2026-01-01T00:00:00Z hva kernel - - - EDAC MC0: %d CE memory read error on DIMM_A%d" % (i, i % 4) for i in range(20)]
a += [b"<13>1 2026-01-01T00:00:00Z hva libvirtd 77 - - domain vm-%d started on port %d" % (i, 5900 + i) for i in range(10)]
send("127.0.0.1", a)
send("127.0.0.3", [b"<13>Jan  1 00:00:00 hvb smartd[9]: Device /dev/sda temperature %d C" % (40 + i) for i in range(5)])
PYEOF
have() {
	"$VIGILCTL" -s 127.0.0.1:"$S" summary --json >"$T/s.json" 2>/dev/null &&
	    [ "$(jget "$T/s.json" 'j["summary"]["drain"]["lines"]')" = 35 ]
}
wait_for have || fail "35 lines not mined: $(cat "$T/s.json")"
[ "$(jget "$T/s.json" 'j["summary"]["drain"]["templates"]')" = 3 ] ||
	fail "expected 3 templates: $(cat "$T/s.json")"

"$VIGILCTL" -s 127.0.0.1:"$S" templates --json >"$T/t.json" || fail "templates"
[ "$(jget "$T/t.json" '[t["count"] for t in j["templates"]]')" = "[20, 10, 5]" ] ||
	fail "rack templates: $(cat "$T/t.json")"
jget "$T/t.json" 'j["templates"][0]["text"]' | grep -q '^EDAC MC0: <\*> CE memory read error on' ||
	fail "template text: $(cat "$T/t.json")"
ids=$(jget "$T/t.json" '[t["id"] for t in j["templates"]]')
"$VIGILCTL" -s 127.0.0.1:"$S" templates hvB --json >"$T/b.json" || fail "templates hvB"
[ "$(jget "$T/b.json" '[(t["count"], t["error"]) for t in j["templates"]]')" = "[(5, 0)]" ] ||
	fail "hvB templates: $(cat "$T/b.json")"
"$VIGILCTL" -s 127.0.0.1:"$S" templates nosuch >/dev/null 2>&1
[ $? -eq 1 ] || fail "unknown host should be refused"
"$VIGILCTL" -s 127.0.0.1:"$S" templates hvA | grep -q 'templates of hvA' ||
	fail "table output"
stop_vigild
[ -f "$T/templates.snap" ] || fail "no snapshot written at stop"
[ ! -f "$T/templates.snap.tmp" ] || fail "temporary snapshot left behind"

# Restart: same templates, same ids.
start_vigild "$T/vigil.conf"
grep -q '3 templates restored' "$T/vigild.log" || fail "snapshot not restored"
"$VIGILCTL" -s 127.0.0.1:"$S" templates --json >"$T/t2.json" || fail "templates after restart"
[ "$(jget "$T/t2.json" '[t["id"] for t in j["templates"]]')" = "$ids" ] ||
	fail "ids changed across restart: $ids vs $(cat "$T/t2.json")"
stop_vigild

# Corrupt snapshot: refused, empty miner, vigild runs.
printf 'XXXXXXXX' | dd of="$T/templates.snap" bs=1 seek=5000 conv=notrunc 2>/dev/null
start_vigild "$T/vigil.conf"
grep -q 'snapshot .* refused' "$T/vigild.log" || fail "corrupt snapshot not refused"
"$VIGILCTL" -s 127.0.0.1:"$S" summary --json >"$T/s.json" || fail "summary"
[ "$(jget "$T/s.json" 'j["summary"]["drain"]["templates"]')" = 0 ] || fail "miner not empty"
stop_vigild
# A foreign file (not a snapshot at all).
echo "hello" >"$T/templates.snap"
start_vigild "$T/vigil.conf"
grep -q 'snapshot .* refused' "$T/vigild.log" || fail "foreign snapshot not refused"
stop_vigild
echo ok
