# test_logger.sh - util-linux logger sends RFC 3164 and RFC 5424 messages
# over UDP, TCP LF-delimited and TCP octet-counted; vigild counts every one
# of them for the right host, drops nothing, and stops cleanly.
. tests/integration/lib.sh
command -v logger >/dev/null || skip "logger (util-linux) not installed"

P=$(free_port)
S=$(free_port)
cat >"$T/vigil.conf" <<CONF
syslog_udp 127.0.0.1:$P
syslog_tcp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
status_udp 127.0.0.1:$S
noc_allow 127.0.0.1/32
host localhost 127.0.0.1
CONF
start_vigild "$T/vigil.conf"

n=0
for proto in --udp --tcp; do
	for fmt in --rfc3164 --rfc5424; do
		for oc in "" --octet-count; do
			[ "$proto" = --udp ] && [ -n "$oc" ] && continue
			logger $proto $fmt $oc -n 127.0.0.1 -P "$P" -t vigiltest \
			    -p daemon.warning "logger test $proto $fmt $oc" ||
				fail "logger $proto $fmt $oc failed"
			n=$((n + 1))
		done
	done
done
# A burst over one TCP connection, octet-counted, with a long message.
long=$(head -c 3000 /dev/zero | tr '\0' x)
for i in 1 2 3 4 5 6 7 8 9 10; do
	echo "burst $i $long"
done | logger --tcp --octet-count --rfc5424 -n 127.0.0.1 -P "$P" -t burst -p daemon.warning \
    -S 4000 || fail "logger burst failed"
n=$((n + 10))

check() {
	"$VIGILCTL" -s 127.0.0.1:"$S" status --json >"$T/s.json" 2>/dev/null &&
	    [ "$(host_messages "$T/s.json" localhost)" = "$n" ]
}
wait_for check || fail "expected $n messages, status says: $(cat "$T/s.json")"
[ "$(jget "$T/s.json" 'j["summary"]["ingest"]["unknown_source"]')" = 0 ] ||
	fail "messages counted as unknown source"
# Severity warning = 4.
w=$(jget "$T/s.json" "[h['severity'][4] for h in j['hosts'] if h['name']=='localhost'][0]")
[ "$w" = "$n" ] || fail "expected $n warnings, got $w"
stop_vigild
grep -q 'allocations after start-up, 0 refused' "$T/vigild.log" ||
	fail "arena refused allocations"
echo "ok: $n messages from logger counted"
