#!/bin/sh
# virsh-standin.sh - plays virsh for the evacuation tests, on a host whose
# state lives in the directory $VIRSH_DIR (the stand-in's copy sets it):
#   vms       one line per domain: NAME STATE MAX_KIB ("shut off" as shut-off)
#   free_kib  the host's free memory
#   peers     lines "ADDRESS DIRECTORY": where a migration target's state is
#   migrate   how migrate behaves: ok (default), fail, slow, hang
#   args      every call is appended here, one line, arguments in [ ]
# A migration moves the domain's line to the target's vms.
D=${VIRSH_DIR:?}
line=
for a in "$@"; do line="$line[$a]"; done
printf '%s\n' "$line" >>"$D/args" # one write: calls run concurrently
sub=$1
shift
case $sub in
list)
	printf ' Id   Name   State\n'
	printf -- '------------------------------\n'
	i=1
	while read -r n s k; do
		[ "$s" = shut-off ] && { printf ' -    %s   shut off\n' "$n"; continue; }
		printf ' %d    %s   %s\n' "$i" "$n" "$s"
		i=$((i + 1))
	done <"$D/vms"
	echo ;;
dominfo)
	line=$(grep "^$1 " "$D/vms") || {
		echo "error: failed to get domain '$1'" >&2; exit 1; }
	set -- $line
	printf 'Id:             1\nName:           %s\nState:          %s\n' "$1" "$2"
	printf 'CPU(s):         1\nMax memory:     %s KiB\nUsed memory:    %s KiB\n' "$3" "$3"
	printf 'Persistent:     yes\n\n' ;;
freecell)
	printf '    0:     %s KiB\n--------------------\nTotal:     %s KiB\n' \
	    "$(cat "$D/free_kib")" "$(cat "$D/free_kib")" ;;
domstate)
	line=$(grep "^$1 " "$D/vms") || {
		echo "error: failed to get domain '$1'" >&2; exit 1; }
	set -- $line
	printf '%s\n\n' "$2" ;;
domjobinfo)
	printf 'Job type:         None\n\n' ;;
migrate)
	for a in "$@"; do case $a in qemu+ssh://*) uri=$a ;; --*) ;; *) dom=$a ;; esac; done
	addr=$(echo "$uri" | sed 's|qemu+ssh://\([^/]*\)/system|\1|')
	peer=$(awk -v a="$addr" '$1 == a { print $2 }' "$D/peers")
	mode=$(cat "$D/migrate" 2>/dev/null || echo ok)
	case $mode in
	fail) echo "error: operation failed: migration refused" >&2; exit 1 ;;
	slow) sleep 2 ;;
	hang) exec sleep 600 ;;
	esac
	[ -n "$peer" ] || { echo "error: no route to host" >&2; exit 1; }
	# Migrations run concurrently: one at a time through the state.
	exec 9>>"$D/../virsh.lock"
	flock 9
	line=$(grep "^$dom " "$D/vms") || {
		echo "error: failed to get domain '$dom'" >&2; exit 1; }
	grep -v "^$dom " "$D/vms" >"$D/vms.new.$$"
	mv "$D/vms.new.$$" "$D/vms"
	echo "$line" >>"$peer/vms"
	flock -u 9
	echo "Migration: [100 %]" ;;
*)
	echo "error: unknown command '$sub'" >&2; exit 1 ;;
esac
