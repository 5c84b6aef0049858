#!/bin/sh
# smoke.sh - the lab itself works: build the rack, boot a guest dirtying
# 64 MiB on host A, live-migrate it to host B with the command line vigil
# uses (ssh from the appliance to A, `virsh migrate ... qemu+ssh://B/system`
# there, so a second SSH hop from A to B), check that it runs on B only,
# persistently, and that its heartbeat counter goes on climbing on B's
# console; then tear down and check that nothing is left.  Prints the
# timings.  Run as root from the repository root:
#
#   sh tests/lab/smoke.sh
#
# Exits 0 on success, 77 when this machine cannot host the lab, 1 on
# failure.
. tests/lab/lab.sh

trap 'lab_down' EXIT
trap 'exit 130' INT TERM HUP

fail() {
	echo "FAIL: $*"
	for x in A B; do
		[ -n "$LAB_DIR" ] || break
		echo "--- host $x: virsh list --all"
		lab_on "$x" virsh -q list --all
		echo "--- host $x: libvirtd log (tail)"
		tail -n 8 "$LAB_DIR/hv$x/log/libvirtd.log" 2>/dev/null
		echo "--- host $x: QEMU log (tail)"
		tail -n 8 "$LAB_DIR/hv$x/log/qemu/smoke.log" 2>/dev/null
		echo "--- host $x: console (tail)"
		tail -n 8 "$LAB_DIR/hv$x/log/qemu/smoke.serial" 2>/dev/null
	done
	exit 1
}

lab_check || exit 77
lab_up || fail "lab_up"
ID=$LAB_ID
echo "setup: ${LAB_UP_SECONDS} s (A $LAB_A_ADDR, B $LAB_B_ADDR," \
    "appliance $LAB_APPL_ADDR, namespaces vlab-$ID-*)"

lab_vm_start A smoke 64 || fail "guest did not boot on A"
echo "boot: ${LAB_BOOT_SECONDS} s to the first heartbeat"
[ "$(lab_vm_host smoke)" = A ] || fail "guest is not running on A"
lab_vm_wait smoke 2 30 || fail "heartbeat stalls on A"
before=$(lab_vm_heartbeat smoke A)

t0=$(lab__now)
lab_appl ssh -i "$LAB_KEY" -o UserKnownHostsFile="$LAB_KNOWN_HOSTS" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes "root@$LAB_A_ADDR" \
    virsh migrate --live --persistent --undefinesource smoke \
    "qemu+ssh://$LAB_B_ADDR/system" || fail "virsh migrate failed"
echo "migration: $(lab__elapsed "$t0") s for ssh + virsh migrate"
lab_on B virsh -q domjobinfo --completed smoke 2>/dev/null |
	grep -E 'Time elapsed|Total downtime|Memory processed|Iteration' |
	sed 's/^/    /'

lab_on B virsh -q list >"$LAB_DIR/list-b" 2>&1
grep -q " smoke  *running" "$LAB_DIR/list-b" ||
	fail "guest is not running on B: $(cat "$LAB_DIR/list-b")"
lab_on A virsh -q list --all | grep -q ' smoke ' &&
	fail "guest is still defined on A"
lab_on B virsh -q dominfo smoke | grep -q '^Persistent: *yes' ||
	fail "guest is not persistent on B"
[ "$(lab_vm_host smoke)" = B ] || fail "lab_vm_host does not say B"

# The counter continues on B's console from where A's stopped, and the
# guest's memory came across intact.
last_a=$(lab_vm_heartbeat smoke A)
[ "$last_a" -ge "$before" ] || fail "A's counter went back"
i=0
until first_b=$(sed -n 's/.*vigil-lab heartbeat \([0-9]*\) dirtied=.*/\1/p' \
    "$LAB_DIR/hvB/log/qemu/smoke.serial" 2>/dev/null | head -n 1) &&
    [ -n "$first_b" ]; do
	i=$((i + 1))
	[ $i -lt 150 ] || fail "no heartbeat on B's console (A's last: $last_a)"
	sleep 0.2
done
[ "$first_b" -gt "$last_a" ] ||
	fail "B's counter starts at $first_b, A's ended at $last_a"
lab_vm_wait smoke $((first_b + 3)) 30 || fail "heartbeat stalls on B"
b2=$(lab_vm_heartbeat smoke B)
echo "heartbeat: A up to $last_a, B from $first_b to $b2"
[ "$(lab_vm_heartbeat smoke A)" = "$last_a" ] ||
	fail "A's console still advances"
lab_vm_check smoke || fail "the guest did not come across intact"

D=$LAB_DIR
held="$LAB_A_PID $LAB_B_PID"
t0=$(lab__now)
lab_down
echo "teardown: $(lab__elapsed "$t0") s"
left=$(ip netns list | grep "^vlab-$ID-")
[ -z "$left" ] || fail "namespaces left: $left"
left=$(ps -eo pid=,args= | grep -F "$D" | grep -v grep)
for p in $held; do
	lab__alive "$p" && left="$left $p"
done
[ -z "$left" ] || fail "processes left: $left"
[ ! -e "$D" ] || fail "$D left"
echo "ok"
