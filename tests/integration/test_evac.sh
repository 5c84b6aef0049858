# test_evac.sh - vigild evacuates a failing host over SSH.
#
# Two hypervisor hosts, each a real sshd on loopback whose sessions run a
# virsh stand-in (tests/integration/virsh-standin.sh) over a directory
# holding that host's VMs.  vigild takes their inventory, sees hvA turn
# severe from its own syslog, and moves hvA's VMs to hvB with the exact
# virsh command line; a VM whose name has shell metacharacters is refused
# and never reaches a command.  Then manual mode (a recommendation an
# operator confirms with a signed vigilctl command) and dry-run (nothing
# runs).  No allocation after start-up throughout.
. tests/integration/lib.sh
. tests/integration/sshd.sh

standin_rack
printf 'vm-small running 1048576\nvm-big running 2097152\nbad;name running 1048576\n' \
    >"$T/hvA/vms"
echo 8388608 >"$T/hvA/free_kib"

P=$(free_port)
S=$(free_port)
KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
echo "$KEY" >"$T/noc.key"
chmod 600 "$T/noc.key"
cat >"$T/vigil.conf" <<CONF
syslog_udp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
noc_allow 127.0.0.1/32
noc_key $KEY
$RACK_CONF
predict learn_s 0
predict tau_s 1
predict hold_s 2
CONF
start_vigild "$T/vigil.conf"
ctl() { "$VIGILCTL" -s 127.0.0.1:"$S" -k "$T/noc.key" "$@"; }

# Inventory: hvA's two VMs known (an evacuation estimate), the hostile
# name refused and reported.
wait_until 15 inventoried || fail "no inventory of hvA: $(cat "$T/h.json")"
grep -q 'inventory of hvA: refused 1 domain name' "$T/vigild.log" ||
	fail "hostile name not reported"

# hvA's kernel says something new: severe, and its VMs leave.
send() { # send SOURCE-ADDRESS MESSAGE
	$PY - "$P" "$1" "$2" <<'PYEOF' || fail "sender"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 0))
s.sendto(sys.argv[3].encode(), ("127.0.0.1", int(sys.argv[1])))
PYEOF
}
send 127.0.0.1 "<3>1 2026-12-01T10:00:00Z hva kernel - - - EDAC MC0: 1 UE memory read error on DIMM_A1"
moved() { [ "$(grep -c ': vm-.* moved' "$T/vigild.log")" -ge 2 ]; }
i=0
until moved; do
	i=$((i + 1))
	[ $i -gt 300 ] && fail "VMs not moved: $(grep -E 'job|evacuation|ALARM' "$T/vigild.log")"
	sleep 0.1
done
grep -q 'ALARM host hvA' "$T/vigild.log" || fail "no alarm"
grep -q '^vm-small running' "$T/hvB/vms" && grep -q '^vm-big running' "$T/hvB/vms" ||
	fail "hvB's VMs: $(cat "$T/hvB/vms")"
grep -q '^bad;name' "$T/hvA/vms" || fail "the refused VM moved"
grep -q '^\[migrate\]\[--live\]\[--persistent\]\[--undefinesource\]\[--auto-converge\]\[vm-small\]\[qemu+ssh://10.99.0.2/system\]$' \
    "$T/hvA/args" || fail "migrate command line: $(cat "$T/hvA/args")"
grep -q '^\[domstate\]\[vm-small\]$' "$T/hvB/args" || fail "no confirmation on hvB"
grep -q 'bad' "$T/hvA/args" "$T/hvB/args" && fail "the hostile name reached a command"
ctl migrations --json >"$T/m.json" || fail "migrations"
[ "$(jget "$T/m.json" 'j["done"]')" = 2 ] || fail "migrations: $(cat "$T/m.json")"
A2C=$(jget "$T/m.json" 'j["alarm_to_command_us_max"]')
[ "$A2C" -gt 0 ] || fail "no alarm-to-command time"
echo "alarm to migrate command written: $A2C us (max of 2)"
ctl migrations | grep -q 'done' || fail "migrations table"
# The SSH client's counters on the status channel: both hosts connected,
# no key refused, the commands ran and ended well.
ctl summary --json >"$T/sum.json" || fail "summary"
ssh_f() { jget "$T/sum.json" "j['summary']['ssh']['$1']"; }
[ "$(ssh_f connects)" -ge 2 ] || fail "ssh connects: $(ssh_f connects)"
[ "$(ssh_f hostkey_mismatch)" = 0 ] && [ "$(ssh_f hostkey_unknown)" = 0 ] &&
    [ "$(ssh_f auth_failures)" = 0 ] || fail "ssh refusals: $(cat "$T/sum.json")"
[ "$(ssh_f execs)" -gt 0 ] && [ "$(ssh_f exec_ok)" -gt 0 ] ||
	fail "ssh execs: $(cat "$T/sum.json")"
[ "$(ssh_f warm_used)" -gt 0 ] || fail "no warm channel used"
ctl summary | grep -q '^ssh ' || fail "no ssh line in the summary"

# Manual mode: hvB is evacuated on request; the recommendation waits for
# an operator.  hvA must be healthy again to be a target.
ctl mode manual >/dev/null || fail "mode manual"
ctl clear hvA >/dev/null || fail "clear hvA"
healthy() {
	ctl hosts --json >"$T/h.json" 2>/dev/null &&
	    [ "$(jget "$T/h.json" "[h['health'] for h in j['hosts']][0]")" = healthy ]
}
i=0
until healthy; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "hvA not healthy again: $(cat "$T/h.json")"
	sleep 0.1
done
ctl evacuate hvB >/dev/null || fail "evacuate hvB"
recs() {
	ctl migrations --json >"$T/m.json" 2>/dev/null &&
	    [ "$(jget "$T/m.json" 'len(j["recommendations"])')" -ge 1 ]
}
wait_for recs || fail "no recommendation: $(cat "$T/m.json"; grep evacuation "$T/vigild.log")"
n_before=$(grep -c '^\[migrate\]' "$T/hvB/args")
[ "$n_before" = 0 ] || fail "manual mode migrated before a confirm"
ID=$(jget "$T/m.json" 'j["recommendations"][0]["id"]')
VM=$(jget "$T/m.json" 'j["recommendations"][0]["vm"]')
"$VIGILCTL" -s 127.0.0.1:"$S" confirm "$ID" >/dev/null 2>&1 &&
	fail "confirm without the key accepted"
ctl confirm "$ID" >/dev/null || fail "confirm $ID"
back() { grep -q "^$VM running" "$T/hvA/vms"; }
wait_for back || fail "confirmed VM $VM not on hvA: $(cat "$T/hvA/vms")"

# Dry-run: everything but the command (hvB, cleared, is the target).
ctl clear hvB >/dev/null || fail "clear hvB"
ctl mode dry-run >/dev/null || fail "mode dry-run"
n_before=$(cat "$T/hvA/args" "$T/hvB/args" | grep -c '^\[migrate\]')
ctl evacuate hvA >/dev/null || fail "evacuate hvA"
dry() { grep -q 'evacuation: dry-run' "$T/vigild.log"; }
wait_for dry || fail "no dry-run decision: $(grep evacuation "$T/vigild.log")"
sleep 1
[ "$(cat "$T/hvA/args" "$T/hvB/args" | grep -c '^\[migrate\]')" = "$n_before" ] ||
	fail "dry-run ran a migrate: $(cat "$T/hvA/args" "$T/hvB/args" | grep migrate)"

# Unsigned and unknown requests change nothing.
"$VIGILCTL" -s 127.0.0.1:"$S" mode auto >/dev/null 2>&1 && fail "unsigned mode"
ctl evacuate nosuch >/dev/null 2>&1 && fail "evacuate of an unknown host"

stop_vigild
grep -q 'at exit: .* 0 allocations after start-up' "$T/vigild.log" ||
	fail "allocations after start-up: $(grep arena "$T/vigild.log")"
echo "ok: evacuation over SSH (auto, manual, dry-run)"
