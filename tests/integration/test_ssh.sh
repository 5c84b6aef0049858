# test_ssh.sh - platform/ssh.c against a real OpenSSH server.
#
# Starts its own sshd (own config, ECDSA host key, ECDSA user key in its
# own authorized_keys, a free loopback port) whose sessions find a `virsh`
# stand-in first in PATH.  The stand-in records its arguments and plays the
# scenario named in $T/virsh/scenario.  tests/integration/sshprobe.c runs
# commands through ssh.c on a libuv loop and prints what came back.
#
# Covered: success; a failing command's exit code and stderr; a slow
# command; a hung one hitting its timeout, its channel closed while the
# session lives on; a changed host key and an unknown one refused and
# counted; a refused user key counted; the connection dropped in the middle
# of a command, then a reconnect; concurrent channels on one session and
# the channel limit; truncation of hostile output; an exit by signal;
# cancel; keepalives; warm channels (used by every command of a sequence,
# by pairs of commands started at once, refused by a server that allows
# one session, turned off); 50 commands
# and 100 reconnects with the SSH arena zone back to its level and the
# main zone untouched after start-up.
. tests/integration/lib.sh

[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd"
command -v ssh-keygen >/dev/null 2>&1 || skip "no ssh-keygen"
PROBE=$VIGIL_BUILD/sshprobe
if [ -n "${VIGIL_ASAN:-}" ] && [ -x "$VIGIL_BUILD/asan/sshprobe" ]; then
	PROBE=$VIGIL_BUILD/asan/sshprobe
fi
[ -x "$PROBE" ] || fail "$PROBE missing (make BUILD=$VIGIL_BUILD $PROBE)"
echo "probe: $PROBE"

# sshd needs its privilege separation directory.
if [ ! -d /run/sshd ]; then
	mkdir -p /run/sshd 2>/dev/null || skip "no /run/sshd and cannot create it"
	chmod 755 /run/sshd
fi

# Hung stand-ins outlive their sessions by design (see ssh.h): kill them.
ssh_cleanup() {
	for f in "$T/virsh/hang.pids"; do
		[ -f "$f" ] && for p in $(cat "$f"); do kill "$p" 2>/dev/null; done
	done
	cleanup
}
trap ssh_cleanup EXIT INT TERM

USR=$(id -un)
ssh-keygen -q -t ecdsa -N '' -C vigil-test-host -f "$T/hostkey" || fail "keygen"
ssh-keygen -q -t ecdsa -N '' -C vigil-test-user -f "$T/userkey" || fail "keygen"
ssh-keygen -q -t ecdsa -N '' -C vigil-test-other -f "$T/otherkey" || fail "keygen"
ssh-keygen -q -t ecdsa -N '' -C vigil-test-fake -f "$T/fakehost" || fail "keygen"
cp "$T/userkey.pub" "$T/authorized_keys"

# ---- the virsh stand-in -----------------------------------------------------
mkdir -p "$T/bin" "$T/virsh"
echo success >"$T/virsh/scenario"
cat >"$T/bin/virsh" <<'EOF'
#!/bin/sh
# virsh stand-in: records its arguments, plays $VIRSH_SCENARIO or else
# the scenario named in $D/scenario.
D=@DIR@
sc=${VIRSH_SCENARIO:-$(cat "$D/scenario" 2>/dev/null || echo success)}
{ printf '%s' "$sc"; for a in "$@"; do printf ' [%s]' "$a"; done; echo; } \
    >>"$D/virsh.args"
sub=${1:-}
ok() {
	case $sub in
	list) printf ' Id   Name   State\n------------------------\n 1    dom1   running\n\n' ;;
	domjobinfo) printf 'Job type:         None\n\n' ;;
	migrate) printf 'Migration: [100 %%]\n' ;;
	*) printf 'ok %s\n' "$sub" ;;
	esac
	exit 0
}
case $sc in
success) ok ;;
fail) echo "error: failed to get domain '${2:-}'" >&2; exit 1 ;;
slow) sleep 3; ok ;;
slow1) sleep 1; ok ;;
hang) echo $$ >>"$D/hang.pids"; exec sleep 600 ;;
nonconv)
	case $sub in
	domjobinfo)
		n=$(cat "$D/polls" 2>/dev/null || echo 0)
		n=$((n + 1))
		echo $n >"$D/polls"
		printf 'Job type:         Unbounded\nOperation:        Outgoing migration\n'
		printf 'Time elapsed:     %d ms\nMemory processed: %d.000 MiB\n' \
		    $((n * 1000)) $((n * 300))
		printf 'Memory remaining: 512.000 MiB\nMemory total:     1.000 GiB\n\n' ;;
	migrate) echo $$ >>"$D/hang.pids"; exec sleep 600 ;;
	*) ok ;;
	esac ;;
drop)
	# Kill the sshd process serving this session, mid-command.
	echo "started"
	p=$$
	while [ "$p" -gt 1 ]; do
		p=$(sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f2)
		if [ "$(cat "/proc/$p/comm")" = sshd ]; then
			kill -9 "$p"
			break
		fi
	done
	sleep 5
	ok ;;
hostile)
	head -c 1048576 /dev/urandom
	i=0
	while [ $i -lt 2000 ]; do
		printf '\033[31mE\000\r\n%050d' 0 >&2
		i=$((i + 1))
	done
	exit 0 ;;
signal) kill -TERM $$; sleep 1 ;;
*) echo "unknown scenario $sc" >&2; exit 99 ;;
esac
EOF
sed -i "s|@DIR@|$T/virsh|" "$T/bin/virsh"
chmod 755 "$T/bin/virsh"
scenario() { echo "$1" >"$T/virsh/scenario"; }

# ---- sshd ---------------------------------------------------------------------
P=$(free_port)
[ -n "$P" ] || skip "no free port"
# SetEnv: our PATH first; SHLVL=1 keeps bash from reading ~/.bashrc (it
# does for commands run by sshd when SHLVL is unset).
cat >"$T/sshd_config" <<EOF
Port $P
ListenAddress 127.0.0.1
HostKey $T/hostkey
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers $USR
MaxSessions 10
SetEnv SHLVL=1 PATH=$T/bin:/usr/bin:/bin
LogLevel DEBUG2
EOF
/usr/sbin/sshd -t -f "$T/sshd_config" >"$T/sshd-t.log" 2>&1 ||
	skip "sshd refuses to run here: $(tail -n 1 "$T/sshd-t.log")"
/usr/sbin/sshd -D -E "$T/sshd.log" -f "$T/sshd_config" >"$T/sshd.out" 2>&1 &
PIDS="$PIDS $!"
sshd_up() { grep -q "Server listening" "$T/sshd.log" 2>/dev/null; }
wait_for sshd_up ||
	skip "sshd did not start: $(tail -n 3 "$T/sshd.log")"

echo "[127.0.0.1]:$P $(cut -d' ' -f1,2 "$T/hostkey.pub")" >"$T/known_hosts"
echo "[127.0.0.1]:$P $(cut -d' ' -f1,2 "$T/fakehost.pub")" >"$T/known_hosts.changed"
echo "[127.0.0.2]:$P $(cut -d' ' -f1,2 "$T/hostkey.pub")" >"$T/known_hosts.other"

# probe OUT [options] ACTION...: the probe's output in $T/OUT.
probe() {
	out=$1
	shift
	"$PROBE" -P "$P" -u "$USR" -k "$T/userkey" -K "$T/known_hosts" \
	    -b 50 -B 1000 -s 5000 -A 2 "$@" >"$T/$out" 2>"$T/$out.log"
	rc=$?
	cat "$T/$out.log" >>"$T/probe.log"
	return $rc
}
# fv OUT PREFIX KEY: the value of KEY= on the first line of $T/OUT that
# starts with PREFIX.
fv() {
	awk -v p="$2" -v k="$3" '$1 == p {
		for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) {
			print substr($i, length(k) + 2); exit } }' "$T/$1"
}
expect() { # expect OUT PREFIX KEY VALUE
	v=$(fv "$1" "$2" "$3")
	[ "$v" = "$4" ] || fail "$1: $2 $3=$v, expected $4
$(cat "$T/$1")
--- probe log (tail)
$(tail -n 5 "$T/$1.log")"
}
# Every run ends with both zones accounted for.
clean_exit() { # clean_exit OUT
	expect "$1" exit main_allocs_after_seal 0
	expect "$1" exit ssh_used 0
	expect "$1" exit ssh_live_blocks 0
	expect "$1" exit loop_close ok
}

# ---- success, failure, slow, signal --------------------------------------------
probe basic wait-ready "run:virsh list --all" stats || fail "basic: $(cat "$T/basic")"
expect basic result status 0
expect basic result flags S
grep -q 'out=" Id   Name   State' "$T/basic" || fail "basic output: $(cat "$T/basic")"
grep -q '^success \[list\] \[--all\]$' "$T/virsh/virsh.args" ||
	fail "virsh arguments: $(cat "$T/virsh/virsh.args")"
expect basic stats connects 1
expect basic stats exec_ok 1
grep -q 'connected to 127.0.0.1:'"$P"' as .* (ecdh-sha2-nistp256, ecdsa-sha2-nistp256, aes256-ctr)' \
    "$T/basic.log" || fail "algorithms: $(cat "$T/basic.log")"
clean_exit basic
echo "connect: $(fv basic ready connect_ms) ms, exec written after $(fv basic result written_us) us"

scenario fail
probe failing wait-ready "run:virsh dominfo nosuch" || fail "failing run"
expect failing result status 1
grep -q "errtext=\"error: failed to get domain 'nosuch'" "$T/failing" ||
	fail "stderr: $(cat "$T/failing")"
expect failing result outlen 0

scenario slow
probe slow wait-ready timeout:10000 "run:virsh migrate dom1" || fail "slow run"
expect slow result status 0
[ "$(fv slow result elapsed_ms)" -ge 2900 ] || fail "slow returned early: $(cat "$T/slow")"

scenario signal
probe signal wait-ready "run:virsh list" || fail "signal run"
expect signal result status 143

# ---- a hung command: timeout, channel closed, session kept ---------------------
scenario hang
probe hang wait-ready timeout:1000 "run:virsh migrate --live dom1 qemu+ssh://10.0.0.2/system" \
    wait-idle:8000 stats "run:VIRSH_SCENARIO=success virsh list" ||
	fail "hang: $(cat "$T/hang")"
scenario success
expect hang result status -17
expect hang result err VIGIL_ETIMEDOUT
expect hang result flags S
e=$(fv hang result elapsed_ms)
[ "$e" -ge 1000 ] && [ "$e" -lt 3000 ] || fail "timeout after $e ms"
[ "$(fv hang idle after_ms)" -lt 8000 ] || fail "channel not freed"
expect hang stats exec_timeouts 1
expect hang stats channels_open 0
expect hang stats retired 0
# The session lived on: the next command ran on it.
[ "$(grep -c '^result' "$T/hang")" = 2 ] || fail "hang: $(cat "$T/hang")"
grep '^result' "$T/hang" | sed -n 2p | grep -q ' status=0 ' ||
	fail "command after the timeout: $(cat "$T/hang")"
expect hang stats connects 1
# sshd saw our CLOSE for that channel while its command still ran.
grep -q 'channel 0: rcvd close' "$T/sshd.log" || fail "sshd never saw the close"
clean_exit hang

# ---- host keys and user keys -------------------------------------------------
probe changed -K "$T/known_hosts.changed" wait-down:5000 "run:virsh list" stats ||
	fail "changed: $(cat "$T/changed")"
expect changed refused err VIGIL_ENOTCONN
expect changed stats connects 0
expect changed stats first_err VIGIL_EHOSTKEY
[ "$(fv changed stats hostkey_mismatch)" -ge 1 ] || fail "mismatch not counted"
grep -q 'HOST KEY CHANGED' "$T/changed.log" || fail "no log line for the changed key"
[ "$(grep -c 'HOST KEY CHANGED' "$T/changed.log")" = 1 ] ||
	fail "the changed key is logged more than once"
clean_exit changed

# Reconnects back off: attempts at 0, 100, 300, 700, 1500, 2300 ms (the
# cap is 800) in 3 s, not one every few milliseconds; logged once.
probe backoff -K "$T/known_hosts.changed" -b 100 -B 800 sleep:3000 stats ||
	fail "backoff"
n=$(fv backoff stats connect_failures)
[ "$n" -ge 4 ] && [ "$n" -le 9 ] || fail "$n attempts in 3 s: $(cat "$T/backoff")"
[ "$(grep -c 'HOST KEY CHANGED' "$T/backoff.log")" = 1 ] ||
	fail "a repeated failure is logged again"

probe unknown -K "$T/known_hosts.other" wait-down:5000 stats || fail "unknown"
expect unknown stats connects 0
expect unknown stats first_err VIGIL_EHOSTKEY
[ "$(fv unknown stats hostkey_unknown)" -ge 1 ] || fail "unknown key not counted"
grep -q 'unknown host key SHA256:' "$T/unknown.log" || fail "no log line for the unknown key"

probe authfail -k "$T/otherkey" wait-down:5000 stats || fail "authfail"
expect authfail stats connects 0
expect authfail stats first_err VIGIL_EAUTH
[ "$(fv authfail stats auth_failures)" -ge 1 ] || fail "auth failure not counted"
grep -q 'public key authentication: authentication failed' "$T/authfail.log" ||
	fail "no log line for the refused key: $(cat "$T/authfail.log")"

# An RSA key is refused at configuration (libssh2 1.10 on mbedTLS signs
# with SHA-1 only).
ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/rsakey" || fail "keygen rsa"
probe rsa -k "$T/rsakey" stats
grep -q '^error: setup VIGIL_EUNSUPP' "$T/rsa" || fail "RSA key: $(cat "$T/rsa")"

# ---- step timeouts: a server that never speaks, a port that refuses ------------
S=$(free_port)
[ -n "$S" ] || skip "no free port"
$PY - "$S" <<'PYEOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
held = []
while True:
    c, _ = s.accept()
    held.append(c)  # accept, then say nothing
PYEOF
PIDS="$PIDS $!"
sleep 0.5
probe silent -P "$S" -s 1000 wait-down:5000 stats || fail "silent: $(cat "$T/silent")"
expect silent stats first_err VIGIL_ETIMEDOUT
[ "$(fv silent stats step_timeouts)" -ge 1 ] || fail "step timeout not counted"
grep -q 'handshake: timed out' "$T/silent.log" || fail "no log line: $(cat "$T/silent.log")"
clean_exit silent

R=$(free_port)
probe refused -P "$R" wait-down:5000 stats || fail "refused"
expect refused stats first_err VIGIL_ENOTCONN
grep -q 'connect: not connected: Connection refused' "$T/refused.log" ||
	fail "no log line: $(cat "$T/refused.log")"

# ---- connection dropped mid-command, then a reconnect ---------------------------
scenario drop
probe drop wait-ready "run:virsh domjobinfo dom1" wait-ready timeout:5000 \
    stats || fail "drop: $(cat "$T/drop")"
scenario success
expect drop result status -18
expect drop result err VIGIL_ECLOSED
expect drop result flags S
expect drop stats drops 1
expect drop stats connects 2
probe drop2 wait-ready "run:virsh list" || fail "after drop"
expect drop2 result status 0

# ---- concurrent channels on one session ------------------------------------------
scenario slow1
probe par wait-ready "par:4:virsh domjobinfo dom1" "par:5:virsh domjobinfo dom1" \
    stats || fail "par: $(cat "$T/par")"
scenario success
[ "$(grep -c '^result tag=par[0-9]* status=0 ' "$T/par")" = 8 ] ||
	fail "parallel results: $(cat "$T/par")"
[ "$(grep -c '^refused tag=par[0-9]* err=VIGIL_ENOSPC' "$T/par")" = 1 ] ||
	fail "the fifth channel was not refused: $(cat "$T/par")"
# Each command sleeps 1 s: run one after another, the last of four would
# end after 4 s.
for e in $(grep '^result' "$T/par" | sed 's/.* elapsed_ms=\([0-9]*\).*/\1/'); do
	[ "$e" -lt 3000 ] || fail "channels did not run concurrently ($e ms)"
done
expect par stats channels_high 4
expect par stats refused_no_slot 1
expect par stats connects 1
clean_exit par

# ---- hostile output, non-converging job polls, cancel -------------------------------
scenario hostile
probe hostile wait-ready timeout:20000 "run:virsh domjobinfo dom1" \
    "run:virsh domjobinfo dom1" stats || fail "hostile: $(cat "$T/hostile")"
expect hostile result status 0
expect hostile result flags SOE
expect hostile result outlen 32768
expect hostile result errlen 4096
expect hostile stats truncated 2
[ "$(fv hostile stats bytes_in)" -ge $((2 * 1048576)) ] || fail "output not drained"
clean_exit hostile

scenario nonconv
probe nonconv wait-ready "run:virsh domjobinfo dom1" "run:virsh domjobinfo dom1" \
    "run:virsh domjobinfo dom1" || fail "nonconv"
[ "$(grep -c 'Memory remaining: 512.000 MiB' "$T/nonconv")" = 3 ] ||
	fail "domjobinfo polls: $(cat "$T/nonconv")"
grep -q 'Time elapsed:     3000 ms' "$T/nonconv" || fail "third poll"

scenario slow1
probe cancel wait-ready "cancel:virsh list" wait-idle:5000 sleep:1500 stats ||
	fail "cancel: $(cat "$T/cancel")"
scenario success
expect cancel cancel rc VIGIL_OK
expect cancel cancel again VIGIL_ENOENT
grep -q '^result' "$T/cancel" && fail "a canceled command called back"
expect cancel stats exec_canceled 1
clean_exit cancel

# ---- keepalives, 50 commands, 100 reconnects: memory back to its level -------------
probe keep wait-ready wait-idle mark sleep:7000 mark stats || fail "keepalive"
[ "$(fv keep stats keepalives)" -ge 2 ] || fail "keepalives: $(cat "$T/keep")"
expect keep stats drops 0
[ "$(sed -n 's/^mark ssh_used=//p' "$T/keep" | sort -u | wc -l)" = 1 ] ||
	fail "SSH zone grew while idle: $(grep mark "$T/keep")"

probe fifty wait-ready "run:virsh list" wait-idle mark "repeat:50:virsh list" \
    wait-idle mark stats || fail "fifty: $(cat "$T/fifty")"
expect fifty repeat ok 50
[ "$(sed -n 's/^mark ssh_used=//p' "$T/fifty" | sort -u | wc -l)" = 1 ] ||
	fail "SSH zone not back to its level: $(grep mark "$T/fifty")"
# One after another, every command finds a warm channel: each takes one
# and the next is opened (and confirmed, sshd answers in order) before
# the command ends.
expect fifty repeat warm_used 50
expect fifty stats channels_warm 2
expect fifty stats warm_lost 0
clean_exit fifty

# Two commands at once, each on a warm channel, both requests written
# before either answer is read: each answer must reach its own channel
# (libssh2 fails a request whose wait reads the other one's answer).
# two:20 lets the first answer arrive before the second request is sent.
pairs=
i=0
while [ $i -lt 20 ]; do pairs="$pairs two:20:true par:2:true"; i=$((i + 1)); done
# shellcheck disable=SC2086
probe pairs wait-ready wait-idle $pairs stats || fail "pairs: $(tail -n 5 "$T/pairs")"
[ "$(grep -E -c '^result tag=(two|par)[01] status=0 ' "$T/pairs")" = 80 ] ||
	fail "pairs: $(grep -v '^result.* status=0 ' "$T/pairs" | head -n 5)"
expect pairs stats drops 0
expect pairs stats connects 1
[ "$(fv pairs stats warm_used)" -ge 40 ] || fail "pairs on warm channels: $(grep '^stats' "$T/pairs")"
clean_exit pairs
echo "50 commands: $(fv fifty repeat total_ms) ms, written after $(fv fifty repeat write_us_p50) us (p50; p99 $(fv fifty repeat write_us_p99), max $(fv fifty repeat write_us_max))"

# Without warm channels every command opens its own, as with them when
# none is left.
probe cold -W 0 wait-ready "run:virsh list" wait-idle "par:4:virsh list" wait-idle \
    stats || fail "cold: $(cat "$T/cold")"
[ "$(grep -c '^result tag=.* status=0 ' "$T/cold")" = 5 ] ||
	fail "cold results: $(cat "$T/cold")"
expect cold stats warm_opened 0
expect cold stats channels_warm 0
expect cold stats channels_high 4
clean_exit cold
echo "without warm channels: written after $(fv cold result written_us) us"

# A server that allows one session refuses the second warm channel: that
# is counted, the session lives on and the first one serves a command.
P1=$(free_port)
[ -n "$P1" ] || skip "no free port"
sed -e "s/^Port .*/Port $P1/" -e "s/^MaxSessions .*/MaxSessions 1/" \
    -e "s|^PidFile .*|PidFile $T/sshd1.pid|" "$T/sshd_config" >"$T/sshd1_config"
/usr/sbin/sshd -D -E "$T/sshd1.log" -f "$T/sshd1_config" >/dev/null 2>&1 &
PIDS="$PIDS $!"
sshd1_up() { grep -q "Server listening" "$T/sshd1.log" 2>/dev/null; }
wait_for sshd1_up || fail "second sshd: $(tail -n 3 "$T/sshd1.log")"
echo "[127.0.0.1]:$P1 $(cut -d' ' -f1,2 "$T/hostkey.pub")" >"$T/known_hosts.one"
probe one -P "$P1" -K "$T/known_hosts.one" wait-ready sleep:500 stats \
    "run:virsh list" || fail "one session: $(cat "$T/one")"
expect one stats channels_warm 1
[ "$(fv one stats warm_lost)" -ge 1 ] || fail "refused warm channel: $(cat "$T/one")"
expect one stats drops 0
expect one result status 0
clean_exit one

scenario drop
probe cycles -b 10 wait-ready "cycle:100:virsh domjobinfo dom1" stats ||
	fail "cycles: $(tail -n 5 "$T/cycles")"
scenario success
expect cycles stats connects 101
expect cycles stats drops 100
# A session's footprint varies by a block or two (key exchange numbers
# differ in length); anything kept from one session to the next would grow
# it by a multiple of 100.  And after the last one the zone is empty.
[ $(($(fv cycles cycle ssh_used_max) - $(fv cycles cycle ssh_used_min))) -le 64 ] ||
	fail "SSH zone drifts across reconnects: $(grep '^cycle' "$T/cycles")"
[ $(($(fv cycles cycle ssh_used_last) - $(fv cycles cycle ssh_used_first))) -le 64 ] ||
	fail "SSH zone grows across reconnects: $(grep '^cycle' "$T/cycles")"
clean_exit cycles
echo "100 reconnects: SSH zone $(fv cycles cycle ssh_used_min)..$(fv cycles cycle ssh_used_max) bytes after each, connect $(fv cycles cycle connect_ms_avg) ms on average"

echo "ok"
