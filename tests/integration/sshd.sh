# sshd.sh - real OpenSSH servers for the tests that drive SSH (sourced
# after lib.sh).  Each server runs on a free loopback port with its own
# config and ECDSA host key, accepts one ECDSA user key, and gives its
# sessions a PATH where a test's stand-in programs come first.
#
#   sshd_prereq                 skip the test when sshd cannot run here
#   sshd_user_key               $T/userkey{,.pub}, authorized for every server
#   sshd_start NAME ADDR BIN    start server NAME on ADDR, sessions see BIN
#                               first in PATH; sets SSHD_PORT and appends
#                               its key to $T/known_hosts

sshd_prereq() {
	[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd"
	command -v ssh-keygen >/dev/null 2>&1 || skip "no ssh-keygen"
	if [ ! -d /run/sshd ]; then
		mkdir -p /run/sshd 2>/dev/null ||
		    skip "no /run/sshd and cannot create it"
		chmod 755 /run/sshd
	fi
}

sshd_user_key() {
	ssh-keygen -q -t ecdsa -N '' -C vigil-test-user -f "$T/userkey" ||
	    fail "ssh-keygen"
	cp "$T/userkey.pub" "$T/authorized_keys"
}

sshd_start() {
	name=$1 addr=$2 bin=$3
	ssh-keygen -q -t ecdsa -N '' -C "vigil-test-$name" \
	    -f "$T/$name.hostkey" || fail "ssh-keygen"
	SSHD_PORT=$(free_port)
	[ -n "$SSHD_PORT" ] || skip "no free port"
	# SetEnv: the stand-ins first; SHLVL=1 keeps bash from reading
	# ~/.bashrc (it does for commands run by sshd when SHLVL is unset).
	cat >"$T/$name.sshd_config" <<EOF2
Port $SSHD_PORT
ListenAddress $addr
HostKey $T/$name.hostkey
PidFile $T/$name.sshd.pid
AuthorizedKeysFile $T/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers $(id -un)
MaxSessions 10
SetEnv SHLVL=1 PATH=$bin:/usr/bin:/bin
LogLevel VERBOSE
EOF2
	/usr/sbin/sshd -t -f "$T/$name.sshd_config" >"$T/$name.sshd-t.log" 2>&1 ||
	    skip "sshd refuses to run here: $(tail -n 1 "$T/$name.sshd-t.log")"
	/usr/sbin/sshd -D -E "$T/$name.sshd.log" -f "$T/$name.sshd_config" \
	    >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	i=0
	until grep -q "Server listening" "$T/$name.sshd.log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] &&
		    skip "sshd did not start: $(tail -n 3 "$T/$name.sshd.log")"
		sleep 0.1
	done
	echo "[$addr]:$SSHD_PORT $(cut -d' ' -f1,2 "$T/$name.hostkey.pub")" \
	    >>"$T/known_hosts"
}

# standin_rack: two hosts, hvA (sshd on 127.0.0.1) and hvB (127.0.0.2),
# whose sessions run tests/integration/virsh-standin.sh over $T/hvA and
# $T/hvB (empty vms, 16 GiB free; a migration from one reaches the other
# at 10.99.0.2 / 10.99.0.1).  Sets PA and PB (their SSH ports) and
# RACK_CONF, the config lines that point vigild at them (evacuation on
# in auto mode, inventory every second, no cool-down).
standin_rack() {
	sshd_prereq
	sshd_user_key
	standin=$(pwd)/tests/integration/virsh-standin.sh
	for h in hvA hvB; do
		mkdir -p "$T/$h/bin"
		printf '#!/bin/sh\nVIRSH_DIR=%s exec %s "$@"\n' "$T/$h" \
		    "$standin" >"$T/$h/bin/virsh"
		chmod 755 "$T/$h/bin/virsh"
		: >"$T/$h/args"
		: >"$T/$h/vms"
		echo 16777216 >"$T/$h/free_kib"
	done
	echo "10.99.0.2 $T/hvB" >"$T/hvA/peers"
	echo "10.99.0.1 $T/hvA" >"$T/hvB/peers"
	sshd_start hvA 127.0.0.1 "$T/hvA/bin"
	PA=$SSHD_PORT
	sshd_start hvB 127.0.0.2 "$T/hvB/bin"
	PB=$SSHD_PORT
	RACK_CONF="host hvA 127.0.0.1
host hvB 127.0.0.2
host_ssh hvA 127.0.0.1:$PA 10.99.0.1
host_ssh hvB 127.0.0.2:$PB 10.99.0.2
evacuate auto
ssh_user $(id -un)
ssh_key $T/userkey
known_hosts $T/known_hosts
inventory_interval 1
cooldown 0"
}
