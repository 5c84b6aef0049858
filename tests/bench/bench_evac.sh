#!/bin/sh
# bench_evac.sh - from a severe verdict to the migrate command written on
# an open SSH channel.
#
# Two hosts, each a real sshd on loopback with the virsh stand-in of the
# integration tests; the host holding the two VMs is made severe by a new
# kernel line in its own syslog, vigild moves both VMs to the other host,
# and the next trial sends them back.  vigild measures each migrate from
# the verdict (in the same loop callback) to the moment libssh2 wrote the
# exec request on the socket, and logs it.  Prints
#   bench: alarm_to_command_p50_ms <x> ms
#   bench: alarm_to_command_p99_ms <x> ms   (target <= 10)
#   bench: alarm_to_command_max_ms <x> ms
# over TRIALS trials (2 migrations each; default 40).
. tests/integration/lib.sh
. tests/integration/sshd.sh

TRIALS=${VIGIL_BENCH_EVAC_TRIALS:-40}
standin_rack
printf 'vm-one running 1048576\nvm-two running 1048576\n' >"$T/hvA/vms"
P=$(free_port)
S=$(free_port)
cat >"$T/vigil.conf" <<CONF
syslog_udp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
noc_allow 127.0.0.1/32
$RACK_CONF
predict learn_s 0
predict tau_s 0.2
predict hold_s 0.5
CONF
start_vigild "$T/vigil.conf"

# Each trial needs a template new to the host: one more token each time
# (lines of different lengths never share a Drain template).
words() {
	i=0 w=
	while [ $i -lt "$1" ]; do w="$w x"; i=$((i + 1)); done
	echo "$w"
}
health() { # health HOST
	"$VIGILCTL" -s 127.0.0.1:"$S" hosts --json >"$T/h.json" 2>/dev/null &&
	    jget "$T/h.json" "[h['health'] for h in j['hosts'] if h['name']=='$1'][0]"
}
src=hvA addr=127.0.0.1 dst=hvB
n=0
while [ $n -lt "$TRIALS" ]; do
	n=$((n + 1))
	# The VMs are on $src; both hosts healthy; $src's inventory fresh.
	i=0
	until [ "$(health "$dst")" = healthy ] && [ "$(health "$src")" = healthy ] &&
	    [ "$(wc -l <"$T/$src/vms")" = 2 ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && fail "trial $n: hosts not ready"
		sleep 0.05
	done
	sleep 1.2 # one inventory round after the move
	before=$(grep -c 'migrate command written' "$T/vigild.log")
	$PY - "$P" "$addr" "$(words $n)" <<'PYEOF' || fail "sender"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 0))
m = "<3>1 2026-12-01T10:00:00Z h kernel - - - mce: hardware error%s" % sys.argv[3]
s.sendto(m.encode(), ("127.0.0.1", int(sys.argv[1])))
PYEOF
	i=0
	until [ "$(grep -c 'migrate command written' "$T/vigild.log")" -ge $((before + 2)) ] &&
	    [ "$(wc -l <"$T/$dst/vms")" = 2 ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && fail "trial $n: VMs not moved"
		sleep 0.05
	done
	if [ $src = hvA ]; then src=hvB addr=127.0.0.2 dst=hvA
	else src=hvA addr=127.0.0.1 dst=hvB; fi
done
stop_vigild
grep "migrate command written" "$T/vigild.log" >"${VIGIL_BENCH_EVAC_LOG:-/dev/null}"
grep -o 'migrate command written [0-9]* us' "$T/vigild.log" |
    awk '{print $4}' | sort -n >"$T/us"
awk '{ v[NR] = $1 } END {
	p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1]
	printf "evac: %d migrate commands over %d trials\n", NR, NR / 2
	printf "bench: alarm_to_command_p50_ms %.3f ms\n", p50 / 1000
	printf "bench: alarm_to_command_p99_ms %.3f ms\n", p99 / 1000
	printf "bench: alarm_to_command_max_ms %.3f ms\n", v[NR] / 1000
}' "$T/us"
grep -q 'at exit: .* 0 allocations after start-up' "$T/vigild.log" ||
	fail "allocations after start-up"
