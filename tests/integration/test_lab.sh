# test_lab.sh - end to end with real libvirt and QEMU: vigild moves a
# running VM off a host whose own syslog shows it failing.
#
# tests/lab/lab.sh builds two hypervisor hosts (libvirtd and sshd each, in
# their own namespaces) and the appliance, and boots a small TCG guest on
# host A whose heartbeat counts on its serial console.  vigild runs in the
# appliance namespace with evacuation on, in dry-run while host A's
# history goes by: A sends, over TCP from its own address, the VMFT-LAD
# benign runs and then a buffer-io failure run (vigil-replay vmftlad
# --emit: RFC 5424 lines carrying the runs' timestamps; time_source
# message).  Before the fault the NOC switches to auto; at the fault vigild
# alarms, and moves the VM to host B on its own.  The test asserts the VM
# runs on B, its heartbeat goes on, its memory came across intact, and
# prints
#   lab: alarm_to_command_ms=<n> migration_s=<n>
# make lab runs it alone (VIGIL_LAB_REQUIRED=1: a lab that cannot be set
# up is a failure); make test includes it and skips it, with the reason,
# only where namespaces or libvirt cannot be set up.
. tests/integration/lib.sh
. tests/lab/lab.sh

lab_skip() {
	if [ "${VIGIL_LAB_REQUIRED:-0}" = 1 ]; then
		fail "lab required but unavailable: $*"
	fi
	skip "$*"
}
trap 'lab_down; cleanup' EXIT
trap 'exit 130' INT TERM HUP

DATA=${VIGIL_DATA:-../shared/data}/vmft-lad
[ -d "$DATA/data" ] || lab_skip "no VMFT-LAD data at $DATA"
lab_check
rc=$?
if [ $rc = 1 ]; then
	lab_install_packages >/dev/null 2>&1
	lab_check
	rc=$?
fi
[ $rc = 0 ] || lab_skip "lab unavailable: $LAB_CHECK_REASON"
lab_up || fail "lab_up"
echo "lab: up in $LAB_UP_SECONDS s (A $LAB_A_ADDR, B $LAB_B_ADDR, appliance $LAB_APPL_ADDR)"
lab_vm_start A labvm 32 || fail "guest did not boot on A"
echo "lab: guest booted in $LAB_BOOT_SECONDS s"

# Host A's history and failure, as it would send them.
RUN=buffer-io/$(ls "$DATA/data/buffer-io" | grep '\.csv$' | head -n 1 | sed 's/\.csv$//')
"$VIGIL_BUILD/vigil-replay" vmftlad "$DATA" --emit "$RUN" >"$T/lines" \
    2>"$T/emit" || fail "vigil-replay --emit: $(cat "$T/emit")"
BENIGN=$(sed -n 's/.*benign=\([0-9]*\).*/\1/p' "$T/emit")
K=$(sed -n 's/.*first_severe=\([0-9]*\)$/\1/p' "$T/emit")
[ "$K" -gt $((BENIGN + 150)) ] || fail "offline replay alarms too early: $(cat "$T/emit")"
SPLIT=$((BENIGN + 150))
head -n "$SPLIT" "$T/lines" >"$T/history"
tail -n +"$((SPLIT + 1))" "$T/lines" >"$T/failure"
echo "lab: $RUN after the benign runs: $(wc -l <"$T/lines") lines, severe offline at line $K"

P=$(free_port)
S=$(free_port)
KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
echo "$KEY" >"$T/noc.key"
cat >"$T/vigil.conf" <<CONF
syslog_tcp $LAB_APPL_ADDR:$P
status_tcp $LAB_APPL_ADDR:$S
noc_allow $LAB_APPL_ADDR/32
noc_key $KEY
host hvA $LAB_A_ADDR
host hvB $LAB_B_ADDR
time_source message
evacuate dry-run
ssh_user root
ssh_key $LAB_KEY
known_hosts $LAB_KNOWN_HOSTS
inventory_interval 2
pidfile $T/vigild.pid
CONF
lab_appl "$VIGILD" -c "$T/vigil.conf" >"$T/vigild.log" 2>&1 &
VIGILD_PID=$!
wait_for grep -q ': ready' "$T/vigild.log" || fail "vigild did not start"
ctl() { lab_appl "$VIGILCTL" -s "$LAB_APPL_ADDR:$S" -k "$T/noc.key" "$@"; }
wait_until 30 inventoried || fail "no inventory of host A: $(cat "$T/h.json")"

send() { # send FILE: from host A's address, octet-counted over TCP
	lab_on A "$PY" tests/integration/octet_send.py "$LAB_APPL_ADDR" "$P" \
	    "$1" || fail "sender"
}
arrived() { # arrived N: host A's message count reached N
	ctl hosts --json >"$T/h.json" 2>/dev/null &&
	    [ "$(host_messages "$T/h.json" hvA)" -ge "$1" ]
}
send "$T/history"
i=0
until arrived "$SPLIT"; do
	i=$((i + 1))
	[ $i -gt 600 ] && fail "history not received: $(cat "$T/h.json")"
	sleep 0.1
done
[ "$(lab_vm_host labvm)" = A ] || fail "the VM left A during the history (dry-run)"
ctl mode auto >/dev/null || fail "mode auto"
send "$T/failure"
moved() { grep -q 'job [0-9]*: labvm moved' "$T/vigild.log"; }
i=0
until moved; do
	i=$((i + 1))
	grep -q 'job [0-9]*: labvm not moved' "$T/vigild.log" &&
		fail "migration failed: $(grep -E 'job|evacuation' "$T/vigild.log" | tail -n 5)"
	[ $i -gt 1800 ] && fail "VM not moved in 180 s"
	sleep 0.1
done
grep -q "ALARM host hvA: .* at message $K " "$T/vigild.log" ||
	fail "alarm not at line $K: $(grep ALARM "$T/vigild.log")"
[ "$(lab_vm_host labvm)" = B ] || fail "the VM is not running on B"
last_a=$(lab_vm_heartbeat labvm A)
i=0
until b=$(lab_vm_heartbeat labvm B) && [ -n "$b" ] && [ "$b" -gt "$last_a" ]; do
	i=$((i + 1))
	[ $i -gt 150 ] && fail "no heartbeat on B after A's $last_a"
	sleep 0.2
done
lab_vm_wait labvm $((b + 3)) 30 || fail "heartbeat stalls on B"
lab_vm_check labvm || fail "the guest did not come across intact"
ctl migrations --json >"$T/m.json" || fail "migrations"
A2C=$(jget "$T/m.json" 'j["alarm_to_command_us_last"] / 1000')
MIG=$(jget "$T/m.json" '[x["elapsed_ms"] / 1000 for x in j["jobs"] if x["vm"] == "labvm"][0]')
echo "lab: heartbeat A up to $last_a, B from $b"
echo "lab: alarm_to_command_ms=$A2C migration_s=$MIG"
# vigild runs under `ip netns exec`: signal it by its pid file.
kill -TERM "$(cat "$T/vigild.pid")" || fail "vigild not running"
wait_for grep -q ': stopped' "$T/vigild.log" || fail "vigild did not stop"
grep -q 'at exit: .* 0 allocations after start-up' "$T/vigild.log" ||
	fail "allocations after start-up: $(grep arena "$T/vigild.log")"
VIGILD_PID=
echo "ok: the VM left the failing host on vigild's own decision"
