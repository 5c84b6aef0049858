# test_vmft_live.sh - the prediction path runs live as it runs offline.
#
# A VMFT-LAD failure run (after the folder's benign runs, as the replay
# does) is sent to vigild over TCP at full speed as RFC 5424 messages that
# carry the run's own timestamps; vigild takes its detector clock from the
# messages (time_source message).  The host must become severe at the same
# message as in `vigil-replay vmftlad --emit`, and vigilctl hosts must show
# it severe with the templates that drove it.
. tests/integration/lib.sh

DATA=${VIGIL_DATA:-../shared/data}/vmft-lad
[ -d "$DATA/data" ] || skip "no VMFT-LAD data at $DATA"
RUN=hdd/$(ls "$DATA/data/hdd" | grep '\.csv$' | head -n 1 | sed 's/\.csv$//')

"$VIGIL_BUILD/vigil-replay" vmftlad "$DATA" --emit "$RUN" >"$T/lines" \
    2>"$T/emit" || fail "vigil-replay --emit: $(cat "$T/emit")"
N=$(sed -n 's/^emit: lines=\([0-9]*\) .*/\1/p' "$T/emit")
K=$(sed -n 's/.*first_severe=\([0-9]*\)$/\1/p' "$T/emit")
[ -n "$N" ] && [ "$K" -gt 0 ] || fail "offline replay: $(cat "$T/emit")"
echo "offline: $RUN, $N lines, severe at line $K"

P=$(free_port)
S=$(free_port)
cat >"$T/vigil.conf" <<CONF
syslog_tcp 127.0.0.1:$P
status_tcp 127.0.0.1:$S
noc_allow 127.0.0.1/32
host hv 127.0.0.1
time_source message
CONF
start_vigild "$T/vigil.conf"

$PY tests/integration/octet_send.py 127.0.0.1 "$P" "$T/lines" || fail "sender"
have_all() {
	"$VIGILCTL" -s 127.0.0.1:"$S" hosts --json >"$T/h.json" 2>/dev/null &&
	    [ "$(host_messages "$T/h.json" hv)" = "$N" ]
}
wait_until 60 have_all || fail "not all $N messages arrived: $(cat "$T/h.json")"

grep 'ALARM host hv' "$T/vigild.log" >"$T/alarms"
[ -s "$T/alarms" ] || fail "no alarm logged"
echo "live: $(head -n 1 "$T/alarms")"
grep -q "at message $K " "$T/alarms" ||
	fail "live alarm not at message $K: $(cat "$T/alarms")"
[ "$(jget "$T/h.json" "[h['health'] for h in j['hosts']][0]")" = severe ] ||
	fail "vigilctl hosts: not severe: $(cat "$T/h.json")"
[ "$(jget "$T/h.json" "len([h['reasons'] for h in j['hosts']][0]) > 0")" = True ] ||
	fail "no reasons: $(cat "$T/h.json")"
"$VIGILCTL" -s 127.0.0.1:"$S" hosts | grep -q 'reason: ' ||
	fail "table shows no reasons"
stop_vigild
echo "ok: severe at message $K live and offline"
