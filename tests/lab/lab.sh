# lab.sh - a rack on one machine: two hypervisor hosts running real libvirt
# and sshd, and an appliance, in network namespaces, for end-to-end tests
# that move a real VM with `virsh migrate` (sourced, POSIX sh, root only).
#
#   bridge namespace   one bridge, a veth per member
#   host A, host B     network + mount + UTS namespaces: own hostname,
#                      tmpfs /run, per-host copies of /etc/libvirt,
#                      /var/lib/libvirt, /var/cache/libvirt,
#                      /var/log/libvirt, /root and /etc/hosts, their own
#                      `libvirtd --daemon` and sshd (ECDSA host key)
#   appliance          network namespace only (where vigild runs)
#
# Guests are QEMU TCG domains (<domain type='qemu'>: no guest runs on
# /dev/kvm, though libvirt's capability probe opens it) with no disk:
# the Debian kernel and an initramfs holding busybox and
# tests/lab/heartbeat.c (built here with musl-gcc -static), which dirties
# memory, checks it, and prints "vigil-lab heartbeat N dirtied=M" once a
# second on the serial console.  Kernel and initramfs live in the lab
# directory, which both hosts see (it plays shared storage).  The console
# goes to /var/log/libvirt/qemu/NAME.serial, a per-host path, so each
# host keeps its own log and the counter can be followed across a
# migration.
#
# The guest kernel runs with pti=on.  Without it, QEMU 7.2's TCG lost
# dirty pages in 13 of 23 migrations of a guest dirtying 64 MiB flat out
# and in 3 of 11 at 16 MiB/s (single-threaded TCG did no better): the
# destination's kernel oopsed at its first timer interrupt (a call
# through a NULL pointer) or the guest hung, and once the heartbeat found
# a stale page.  Apparently a write slips past the dirty log through a
# TLB entry that raced with the migration's reset of it; the kernel's
# pages are mapped global, so no CR3 switch ever drops such an entry.
# With page-table isolation the kernel's mappings are not global and
# every kernel entry flushes the TLB: 0 of 24.  lab_vm_check tells an
# intact guest from one that merely runs.
#
# Everything is unique per run (namespace names and the 10.x.y.0/24
# subnet come from the shell's PID and a random byte) and lives in one
# temporary directory; the global libvirt and ssh configuration is only
# read.  lab_down kills every process in the lab's namespaces, deletes
# the namespaces and the directory; the caller registers it with trap.
# A run killed with SIGKILL leaves its namespaces and directory behind:
# LAB_DIR/env names them, and `lab_attach DIR; lab_down` removes them.
#
# Functions (0 on success; on failure a line "lab: ..." on stdout):
#   lab_check                 prerequisites; 1 = something to install
#                             (lab_install_packages), 2 = this machine
#                             cannot make namespaces; reason in
#                             LAB_CHECK_REASON
#   lab_install_packages      the Debian packages the lab uses
#   lab_up                    build the rack, start both libvirtds and
#                             sshds, let libvirt probe QEMU, check both
#                             SSH paths (a few seconds)
#   lab_on A|B CMD...         run CMD on host A or B (its namespaces,
#                             HOME=/root, the caller's directory)
#   lab_appl CMD...           run CMD in the appliance's namespace
#   lab_ssh A|B CMD...        ssh from the appliance to host A or B as
#                             root with LAB_SSH_OPTS
#   lab_vm_start A|B NAME MIB [RATE [MEM]]
#                             define and start guest NAME dirtying MIB MiB
#                             at RATE MiB/s (0 or absent: flat out, which
#                             keeps one CPU busy) in MEM MiB of RAM
#                             (default MIB + 128); waits for the first
#                             heartbeat (LAB_BOOT_TIMEOUT, 180 s)
#   lab_vm_heartbeat NAME [A|B]
#                             the last heartbeat counter on the console
#                             of either host (or of the one named)
#   lab_vm_wait NAME N [SECONDS]
#                             wait until the counter reaches N
#   lab_vm_host NAME          which host runs NAME: prints A or B
#   lab_vm_check NAME         0 unless a console of NAME shows a kernel
#                             oops or panic, or a page the heartbeat
#                             found stale
#   lab_attach DIR            adopt a lab another shell brought up
#   lab_down                  tear everything down; idempotent
#
# Variables set by lab_up:
#   LAB_DIR                   the lab's temporary directory
#   LAB_ID                    the run's unique id (in every name)
#   LAB_A_ADDR, LAB_B_ADDR    the hosts' addresses (sshd on port 22,
#                             libvirt migration ports 49152-49215)
#   LAB_APPL_ADDR             the appliance's address
#   LAB_A_NS, LAB_B_NS        the hosts' network namespaces
#   LAB_APPL_NS               the appliance's network namespace
#   LAB_KEY, LAB_KEY_PUB      the appliance's ECDSA user key (PEM) and its
#                             public half, authorized for root on both
#                             hosts.  libssh2 1.10 on mbedTLS needs the
#                             public file: given only the private key it
#                             answers "Key type not supported".
#   LAB_KNOWN_HOSTS           known_hosts with both hosts' ECDSA keys,
#                             by address
#   LAB_SSH_OPTS              ssh options using the two above
#   LAB_A_PID, LAB_B_PID      the processes holding each host's
#                             namespaces (nsenter -t PID -m -u -n)
#   LAB_UP_SECONDS            how long lab_up took
# and by lab_vm_start: LAB_BOOT_SECONDS, from define to first heartbeat.
# Each host's root has its own ~/.ssh (a key authorized on the other
# host and a known_hosts for both), so `virsh migrate ... qemu+ssh://ADDR/
# system` run on one host reaches the other.  The hosts' names,
# lab-<id>-hvA and lab-<id>-hvB, resolve on both hosts.
#
# Tunables: LAB_BOOT_TIMEOUT (s), LAB_GUEST_CMDLINE (the guest kernel's
# command line before lab.mib= and lab.rate=), LAB_EMULATOR (the QEMU
# binary in the domain), LAB_SRC (default tests/lab), TMPDIR.

LAB_SRC=${LAB_SRC:-tests/lab}
LAB_DIR=
LAB_CHECK_REASON=
LAB_PKGS="qemu-system-x86 qemu-utils linux-image-amd64 busybox-static cpio
libvirt-daemon-system libvirt-clients openssh-server openssh-client iproute2"

lab__say() {
	echo "lab: $*"
}

lab__now() {
	date +%s.%N | cut -c1-14
}

# lab__elapsed T0: seconds since T0 (from lab__now), one decimal.
lab__elapsed() {
	awk -v a="$1" -v b="$(lab__now)" 'BEGIN { printf "%.1f", b - a }'
}

lab__busybox() {
	for _bb in /bin/busybox /usr/bin/busybox; do
		[ -x "$_bb" ] || continue
		# A static busybox has no program interpreter.
		if ! LC_ALL=C ldd "$_bb" 2>&1 | grep -q '=>'; then
			echo "$_bb"
			return 0
		fi
	done
	return 1
}

# lab__alive PID: the process exists and is not a zombie awaiting its
# reaper.
lab__alive() {
	[ -r "/proc/$1/stat" ] || return 1
	[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]
}

lab__kernel() {
	ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1
}

lab_check() {
	LAB_CHECK_REASON=
	if [ "$(id -u)" != 0 ]; then
		LAB_CHECK_REASON="not root: the lab needs network and mount namespaces"
		lab__say "$LAB_CHECK_REASON"
		return 2
	fi
	# A throw-away namespace with a bridge and a veth pair: that is all
	# the lab asks of the kernel.  It vanishes when unshare exits.
	if ! command -v unshare >/dev/null || ! command -v ip >/dev/null ||
	    ! command -v nsenter >/dev/null || ! command -v setsid >/dev/null; then
		LAB_CHECK_REASON="unshare, nsenter, setsid or ip missing"
		LAB_CHECK_REASON="$LAB_CHECK_REASON (util-linux, iproute2)"
		lab__say "$LAB_CHECK_REASON"
		return 1
	fi
	if ! unshare -n -m -u sh -c 'ip link add b0 type bridge &&
	    ip link add v0 type veth peer name v1 && ip netns list >/dev/null' \
	    >/dev/null 2>&1; then
		LAB_CHECK_REASON="cannot make network namespaces with a bridge and veths here"
		lab__say "$LAB_CHECK_REASON"
		return 2
	fi
	_c_missing=
	for _c_c in libvirtd virsh qemu-system-x86_64 sshd ssh ssh-keygen cpio \
	    gzip musl-gcc virt-ssh-helper; do
		command -v "$_c_c" >/dev/null 2>&1 ||
			[ -x "/usr/sbin/$_c_c" ] || _c_missing="$_c_missing $_c_c"
	done
	lab__busybox >/dev/null || _c_missing="$_c_missing busybox(static)"
	_c_k=$(lab__kernel)
	[ -n "$_c_k" ] && [ -r "$_c_k" ] || _c_missing="$_c_missing /boot/vmlinuz-*"
	for _c_d in /etc/libvirt /var/lib/libvirt /var/cache/libvirt \
	    /var/log/libvirt /root; do
		[ -d "$_c_d" ] || _c_missing="$_c_missing $_c_d"
	done
	if [ -n "$_c_missing" ]; then
		LAB_CHECK_REASON="missing:$_c_missing (lab_install_packages installs them)"
		lab__say "$LAB_CHECK_REASON"
		return 1
	fi
	return 0
}

lab_install_packages() {
	_i_missing=
	for _i_p in $LAB_PKGS; do
		dpkg-query -W -f='${Status}' "$_i_p" 2>/dev/null |
			grep -q 'ok installed' || _i_missing="$_i_missing $_i_p"
	done
	[ -n "$_i_missing" ] || return 0
	lab__say "installing$_i_missing"
	_i_apt="apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3"
	DEBIAN_FRONTEND=noninteractive $_i_apt update -q >/dev/null &&
		DEBIAN_FRONTEND=noninteractive $_i_apt install -y -q \
		    --no-install-recommends $_i_missing >/dev/null
}

# lab__conf FILE KEY=VALUE...: set keys in a libvirt config file, dropping
# any earlier uncommented setting of the same key.
lab__conf() {
	_cf_f=$1
	shift
	for _cf_kv in "$@"; do
		_cf_k=${_cf_kv%%=*}
		grep -v "^[[:space:]]*${_cf_k}[[:space:]]*=" "$_cf_f" >"$_cf_f.tmp"
		printf '%s = %s\n' "$_cf_k" "${_cf_kv#*=}" >>"$_cf_f.tmp"
		mv "$_cf_f.tmp" "$_cf_f"
	done
}

# lab__host X ADDR: lay out host X's directory and start its holder.
lab__host() {
	_h_x=$1
	_h_addr=$2
	_h_dir=$LAB_DIR/hv$_h_x
	mkdir -p "$_h_dir/etc/qemu/networks/autostart" \
	    "$_h_dir/etc/qemu/autostart" "$_h_dir/lib/qemu" \
	    "$_h_dir/lib/images" "$_h_dir/lib/boot" "$_h_dir/cache/qemu" \
	    "$_h_dir/log/qemu" "$_h_dir/home/.ssh"
	# The machine's libvirt configuration files, not its domains or
	# networks.
	cp /etc/libvirt/*.conf "$_h_dir/etc/"
	[ -d /etc/libvirt/nwfilter ] && cp -r /etc/libvirt/nwfilter "$_h_dir/etc/"
	lab__conf "$_h_dir/etc/libvirtd.conf" \
	    "host_uuid=\"$(cat /proc/sys/kernel/random/uuid)\"" \
	    'auth_unix_rw="none"' 'auth_unix_ro="none"' \
	    'log_outputs="3:file:/var/log/libvirt/libvirtd.log"'
	lab__conf "$_h_dir/etc/qemu.conf" 'user="root"' 'group="root"' \
	    'dynamic_ownership=0' 'remember_owner=0' \
	    'security_driver="none"' 'cgroup_controllers=[ ]' \
	    'namespaces=[ ]' 'stdio_handler="file"' \
	    "migration_address=\"$_h_addr\"" "migration_host=\"$_h_addr\""
	lab__conf "$_h_dir/etc/libvirt.conf" 'uri_default="qemu:///system"'

	ssh-keygen -q -t ecdsa -b 256 -N '' -C "lab-hv$_h_x" \
	    -f "$_h_dir/ssh_host_ecdsa_key" || return 1
	cat >"$_h_dir/sshd_config" <<EOF
ListenAddress $_h_addr
Port 22
HostKey $_h_dir/ssh_host_ecdsa_key
PidFile $_h_dir/sshd.pid
AuthorizedKeysFile $LAB_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
LogLevel VERBOSE
EOF
	cp "$LAB_DIR/peer_key" "$_h_dir/home/.ssh/id_ecdsa"
	cp "$LAB_DIR/peer_key.pub" "$_h_dir/home/.ssh/id_ecdsa.pub"
	cat >"$_h_dir/home/.ssh/config" <<EOF
Host *
	User root
	IdentityFile ~/.ssh/id_ecdsa
	IdentitiesOnly yes
	UserKnownHostsFile ~/.ssh/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	ConnectTimeout 10
EOF
	chmod 700 "$_h_dir/home" "$_h_dir/home/.ssh"
	chmod 600 "$_h_dir/home/.ssh/id_ecdsa"
	# The hosts' names resolve on both hosts, as they would in a rack.
	{
		cat /etc/hosts
		echo "$LAB_A_ADDR lab-$LAB_ID-hvA"
		echo "$LAB_B_ADDR lab-$LAB_ID-hvB"
	} >"$_h_dir/hosts"

	# The holder: in its own mount and UTS namespace (slave: mounts made
	# here stay here, unmounts made outside still reach it), it mounts
	# the per-host directories, starts libvirtd and sshd there (qemu+ssh
	# runs virt-ssh-helper through sshd, which must find this host's
	# libvirt socket), then sleeps holding the namespaces.
	cat >"$_h_dir/host.sh" <<EOF
set -e
echo \$\$ >$_h_dir/holder.pid
hostname lab-$LAB_ID-hv$_h_x
mount -t tmpfs -o mode=755 lab-run /run
mkdir -p /run/sshd /run/lock
mount --bind $_h_dir/etc /etc/libvirt
mount --bind $_h_dir/lib /var/lib/libvirt
mount --bind $_h_dir/cache /var/cache/libvirt
mount --bind $_h_dir/log /var/log/libvirt
mount --bind $_h_dir/home /root
mount --bind $_h_dir/hosts /etc/hosts
ip link set lo up
/usr/sbin/libvirtd --daemon --pid-file $_h_dir/libvirtd.pid
/usr/sbin/sshd -f $_h_dir/sshd_config -E $_h_dir/sshd.log
echo up >$_h_dir/ready
exec sleep infinity
EOF
	# In a session of its own: not a child for the caller's `wait`, not
	# in its process group; lab_down finds it by its namespace.
	setsid -f ip netns exec "$3" unshare -m -u --propagation slave \
	    sh "$_h_dir/host.sh" >"$_h_dir/host.log" 2>&1 </dev/null
}

# lab__wait_ready X: wait for host X's holder, libvirtd and sshd.
lab__wait_ready() {
	_r_dir=$LAB_DIR/hv$1
	_r_i=0
	until _r_pid=$(cat "$_r_dir/holder.pid" 2>/dev/null) &&
	    [ -n "$_r_pid" ]; do
		_r_i=$((_r_i + 1))
		if [ $_r_i -gt 100 ]; then
			lab__say "host $1 did not start:"
			sed 's/^/    /' "$_r_dir/host.log"
			return 1
		fi
		sleep 0.1
	done
	eval "LAB_${1}_PID=$_r_pid"
	lab__env
	_r_i=0
	while [ ! -f "$_r_dir/ready" ]; do
		_r_i=$((_r_i + 1))
		if [ $_r_i -gt 300 ] || ! lab__alive "$_r_pid"; then
			lab__say "host $1 did not come up:"
			sed 's/^/    /' "$_r_dir/host.log"
			return 1
		fi
		sleep 0.1
	done
	_r_i=0
	until lab_on "$1" virsh -q uri >/dev/null 2>&1; do
		_r_i=$((_r_i + 1))
		if [ $_r_i -gt 300 ]; then
			lab__say "libvirtd on host $1 does not answer:"
			tail -n 20 "$_r_dir/log/libvirtd.log" 2>/dev/null |
				sed 's/^/    /'
			return 1
		fi
		sleep 0.1
	done
}

lab_up() {
	if [ -n "$LAB_DIR" ]; then
		lab__say "already up in $LAB_DIR"
		return 1
	fi
	_up_t0=$(lab__now)
	_up_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	LAB_ID=$(printf '%x%02x' $$ $((_up_r % 256)))
	LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vigil-lab.XXXXXX") || {
		LAB_DIR=
		return 1
	}
	chmod 755 "$LAB_DIR"
	_up_net=10.$((64 + _up_r / 256 % 128)).$(($$ % 256))
	LAB_A_ADDR=$_up_net.1
	LAB_B_ADDR=$_up_net.2
	LAB_APPL_ADDR=$_up_net.10
	LAB_BR_NS=vlab-$LAB_ID-br
	LAB_A_NS=vlab-$LAB_ID-hvA
	LAB_B_NS=vlab-$LAB_ID-hvB
	LAB_APPL_NS=vlab-$LAB_ID-appl
	LAB_A_PID=
	LAB_B_PID=
	LAB_KEY=$LAB_DIR/appl_key
	LAB_KEY_PUB=$LAB_KEY.pub
	LAB_KNOWN_HOSTS=$LAB_DIR/known_hosts
	lab__ssh_opts
	lab__env

	# The network: a bridge in its own namespace, one veth per member.
	ip netns add "$LAB_BR_NS" || return 1
	ip -n "$LAB_BR_NS" link add br0 type bridge &&
		ip -n "$LAB_BR_NS" link set br0 up || return 1
	for _up_m in "A $LAB_A_NS $LAB_A_ADDR" "B $LAB_B_NS $LAB_B_ADDR" \
	    "P $LAB_APPL_NS $LAB_APPL_ADDR"; do
		set -- $_up_m
		ip netns add "$2" || return 1
		ip -n "$LAB_BR_NS" link add "v$1" type veth peer name eth0 \
		    netns "$2" &&
			ip -n "$LAB_BR_NS" link set "v$1" master br0 up &&
			ip -n "$2" addr add "$3/24" dev eth0 &&
			ip -n "$2" link set eth0 up &&
			ip -n "$2" link set lo up || return 1
	done

	# Keys: the appliance's user key (PEM, which libssh2 on mbedTLS
	# reads) and the key the hosts use with each other.
	ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' -C lab-appl \
	    -f "$LAB_KEY" || return 1
	ssh-keygen -q -t ecdsa -b 256 -N '' -C lab-peer \
	    -f "$LAB_DIR/peer_key" || return 1
	cat "$LAB_KEY.pub" "$LAB_DIR/peer_key.pub" >"$LAB_DIR/authorized_keys"

	lab__host A "$LAB_A_ADDR" "$LAB_A_NS" || return 1
	lab__host B "$LAB_B_ADDR" "$LAB_B_NS" || return 1
	{
		echo "$LAB_A_ADDR $(cut -d' ' -f1,2 "$LAB_DIR/hvA/ssh_host_ecdsa_key.pub")"
		echo "$LAB_B_ADDR $(cut -d' ' -f1,2 "$LAB_DIR/hvB/ssh_host_ecdsa_key.pub")"
	} >"$LAB_KNOWN_HOSTS"
	cp "$LAB_KNOWN_HOSTS" "$LAB_DIR/hvA/home/.ssh/known_hosts"
	cp "$LAB_KNOWN_HOSTS" "$LAB_DIR/hvB/home/.ssh/known_hosts"
	lab__wait_ready A && lab__wait_ready B || return 1

	# Each libvirtd probes QEMU once (a few seconds under TCG); do it
	# now, on both hosts at once, rather than inside the first start or
	# the first incoming migration.
	lab_on A virsh -q domcapabilities --virttype qemu --arch x86_64 \
	    --emulatorbin /usr/bin/qemu-system-x86_64 >/dev/null 2>&1 &
	_up_pa=$!
	lab_on B virsh -q domcapabilities --virttype qemu --arch x86_64 \
	    --emulatorbin /usr/bin/qemu-system-x86_64 >/dev/null 2>&1 &
	_up_pb=$!
	wait "$_up_pa" && wait "$_up_pb" || {
		lab__say "libvirt cannot probe QEMU:"
		tail -n 5 "$LAB_DIR"/hv?/log/libvirtd.log | sed 's/^/    /'
		return 1
	}

	# Both SSH paths the migration takes: appliance to host, host to
	# host.
	for _up_x in A B; do
		lab_ssh "$_up_x" true || {
			lab__say "ssh from the appliance to host $_up_x fails"
			return 1
		}
	done
	lab_on A ssh "$LAB_B_ADDR" true && lab_on B ssh "$LAB_A_ADDR" true || {
		lab__say "ssh between the hosts fails"
		return 1
	}
	LAB_UP_SECONDS=$(lab__elapsed "$_up_t0")
	lab__env
}

# lab__env: the lab's variables in LAB_DIR/env, for lab_attach and for
# cleaning up by hand after a run that was killed.
lab__env() {
	for _e_v in LAB_ID LAB_DIR LAB_A_ADDR LAB_B_ADDR LAB_APPL_ADDR \
	    LAB_BR_NS LAB_A_NS LAB_B_NS LAB_APPL_NS LAB_A_PID LAB_B_PID \
	    LAB_KEY LAB_KEY_PUB LAB_KNOWN_HOSTS; do
		eval "echo \"$_e_v='\$$_e_v'\""
	done >"$LAB_DIR/env"
}

# lab_attach DIR: take over a lab that another shell brought up (its
# variables come from DIR/env); lab_down then tears it down.
lab_attach() {
	[ -f "$1/env" ] || {
		lab__say "no lab in $1"
		return 1
	}
	. "$1/env"
	lab__ssh_opts
}

lab__ssh_opts() {
	LAB_SSH_OPTS="-F /dev/null -i $LAB_KEY -o IdentitiesOnly=yes
	    -o UserKnownHostsFile=$LAB_KNOWN_HOSTS
	    -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes
	    -o BatchMode=yes -o ConnectTimeout=10"
}

lab__pid() {
	eval "echo \$LAB_${1}_PID"
}

lab_on() {
	_on_x=$1
	shift
	_on_pid=$(lab__pid "$_on_x")
	if [ -z "$_on_pid" ]; then
		lab__say "no host $_on_x"
		return 1
	fi
	# Entering a mount namespace resets the working directory to /;
	# keep the caller's.
	nsenter -t "$_on_pid" -m -u -n -- env HOME=/root sh -c \
	    'cd "$1" 2>/dev/null; shift; exec "$@"' sh "$PWD" "$@"
}

lab_appl() {
	ip netns exec "$LAB_APPL_NS" "$@"
}

lab_ssh() {
	eval "_ssh_a=\$LAB_${1}_ADDR"
	shift
	# shellcheck disable=SC2086
	ip netns exec "$LAB_APPL_NS" ssh $LAB_SSH_OPTS "root@$_ssh_a" "$@"
}

# lab__guest: the kernel and initramfs, built once per lab.
lab__guest() {
	_g=$LAB_DIR/guest
	[ -f "$_g/initrd.gz" ] && return 0
	rm -rf "$_g/root"
	mkdir -p "$_g/root/bin" "$_g/root/dev" "$_g/root/proc" "$_g/root/sys"
	musl-gcc -static -Os -o "$_g/root/bin/heartbeat" \
	    "$LAB_SRC/heartbeat.c" || {
		lab__say "cannot build $LAB_SRC/heartbeat.c"
		return 1
	}
	cp "$(lab__busybox)" "$_g/root/bin/busybox"
	ln -s busybox "$_g/root/bin/sh"
	mknod "$_g/root/dev/console" c 5 1
	mknod "$_g/root/dev/null" c 1 3
	# The guest's PID 1: read lab.mib= and lab.rate= from the kernel
	# command line, then become the heartbeat.
	cat >"$_g/root/init" <<'EOF'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
mib=16
rate=0
for a in $(/bin/busybox cat /proc/cmdline); do
	case $a in
	lab.mib=*) mib=${a#lab.mib=} ;;
	lab.rate=*) rate=${a#lab.rate=} ;;
	esac
done
exec /bin/heartbeat "$mib" "$rate" </dev/console >/dev/console 2>&1
EOF
	chmod 755 "$_g/root/init"
	(cd "$_g/root" && find . | cpio -o -H newc --quiet) | gzip -1 \
	    >"$_g/initrd.gz" || return 1
	cp "$(lab__kernel)" "$_g/vmlinuz"
}

lab__serial() {
	echo "$LAB_DIR/hv$2/log/qemu/$1.serial"
}

lab_vm_start() {
	_vs_x=$1
	_vs_name=$2
	_vs_mib=$3
	_vs_rate=${4:-0}
	_vs_mem=${5:-$((_vs_mib + 128))}
	_vs_cmd=${LAB_GUEST_CMDLINE:-console=ttyS0 quiet panic=-1 pti=on}
	lab__guest || return 1
	_vs_g=$LAB_DIR/guest
	cat >"$LAB_DIR/$_vs_name.xml" <<EOF
<domain type='qemu'>
  <name>$_vs_name</name>
  <memory unit='MiB'>$_vs_mem</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$_vs_g/vmlinuz</kernel>
    <initrd>$_vs_g/initrd.gz</initrd>
    <cmdline>$_vs_cmd lab.mib=$_vs_mib lab.rate=$_vs_rate</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>${LAB_EMULATOR:-/usr/bin/qemu-system-x86_64}</emulator>
    <serial type='file'>
      <source path='/var/log/libvirt/qemu/$_vs_name.serial'/>
      <target port='0'/>
    </serial>
    <controller type='usb' model='none'/>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
	_vs_t0=$(lab__now)
	lab_on "$_vs_x" virsh -q define "$LAB_DIR/$_vs_name.xml" >/dev/null &&
		lab_on "$_vs_x" virsh -q start "$_vs_name" >/dev/null || {
		lab__say "cannot start $_vs_name on host $_vs_x"
		tail -n 20 "$LAB_DIR/hv$_vs_x/log/qemu/$_vs_name.log" 2>/dev/null |
			sed 's/^/    /'
		return 1
	}
	lab_vm_wait "$_vs_name" 0 "${LAB_BOOT_TIMEOUT:-180}" || return 1
	LAB_BOOT_SECONDS=$(lab__elapsed "$_vs_t0")
}

lab_vm_heartbeat() {
	_hb_best=
	for _hb_x in ${2:-A B}; do
		_hb_f=$(lab__serial "$1" "$_hb_x")
		[ -f "$_hb_f" ] || continue
		# Only whole lines: the counter is followed by " dirtied=".
		_hb_n=$(sed -n 's/.*vigil-lab heartbeat \([0-9][0-9]*\) dirtied=.*/\1/p' \
		    "$_hb_f" | tail -n 1)
		[ -n "$_hb_n" ] || continue
		if [ -z "$_hb_best" ] || [ "$_hb_n" -gt "$_hb_best" ]; then
			_hb_best=$_hb_n
		fi
	done
	[ -n "$_hb_best" ] || return 1
	echo "$_hb_best"
}

lab_vm_wait() {
	_w_limit=${3:-60}
	_w_t0=$(date +%s)
	while :; do
		_w_n=$(lab_vm_heartbeat "$1") && [ "$_w_n" -ge "$2" ] && return 0
		if [ $(($(date +%s) - _w_t0)) -ge "$_w_limit" ]; then
			lab__say "no heartbeat $2 from $1 within $_w_limit s (last: ${_w_n:-none})"
			for _w_x in A B; do
				_w_f=$(lab__serial "$1" "$_w_x")
				[ -f "$_w_f" ] || continue
				echo "    --- host $_w_x console:"
				tail -n 10 "$_w_f" | sed 's/^/    /'
			done
			return 1
		fi
		sleep 0.2
	done
}

# lab_vm_check NAME: 0 when neither host's console of NAME shows a
# kernel oops or panic or a page the heartbeat found stale; else prints
# those lines and returns 1.
lab_vm_check() {
	_ck_bad=0
	for _ck_x in A B; do
		_ck_f=$(lab__serial "$1" "$_ck_x")
		[ -f "$_ck_f" ] || continue
		if grep -q -E 'vigil-lab corrupt|Oops|Kernel panic|BUG:' "$_ck_f"; then
			lab__say "guest $1 on host $_ck_x:"
			grep -E 'vigil-lab corrupt|Oops|Kernel panic|BUG:|RIP:' \
			    "$_ck_f" | head -n 8 | sed 's/^/    /'
			_ck_bad=1
		fi
	done
	return $_ck_bad
}

lab_vm_host() {
	for _vh_x in A B; do
		_vh_s=$(lab_on "$_vh_x" virsh -q domstate "$1" 2>/dev/null)
		if [ "$_vh_s" = running ]; then
			echo "$_vh_x"
			return 0
		fi
	done
	return 1
}

lab_down() {
	[ -n "$LAB_DIR" ] || return 0
	_d_nss="$LAB_BR_NS $LAB_A_NS $LAB_B_NS $LAB_APPL_NS"
	# Every process of the lab sits in one of its network namespaces:
	# the holders, libvirtd, sshd, QEMU, ssh sessions and what they ran
	# (pid files could name a recycled PID; a namespace cannot).
	_d_pids=
	for _d_ns in $_d_nss; do
		_d_pids="$_d_pids $(ip netns pids "$_d_ns" 2>/dev/null)"
	done
	for _d_p in $_d_pids; do
		kill "$_d_p" 2>/dev/null
	done
	_d_i=0
	while [ $_d_i -lt 30 ]; do
		_d_alive=
		for _d_p in $_d_pids; do
			lab__alive "$_d_p" && _d_alive="$_d_alive $_d_p"
		done
		[ -n "$_d_alive" ] || break
		sleep 0.1
		_d_i=$((_d_i + 1))
	done
	for _d_p in $_d_alive; do
		kill -9 "$_d_p" 2>/dev/null
	done
	for _d_ns in $_d_nss; do
		# A straggler forked after the first sweep.
		for _d_p in $(ip netns pids "$_d_ns" 2>/dev/null); do
			kill -9 "$_d_p" 2>/dev/null
		done
	done
	[ -z "$_d_alive" ] || sleep 0.2
	for _d_ns in $_d_nss; do
		ip netns del "$_d_ns" 2>/dev/null
	done
	rm -rf "$LAB_DIR"
	LAB_DIR=
	LAB_A_PID=
	LAB_B_PID=
	return 0
}
