#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# GStreamer as the sender nobody here wrote: videotestsrc ! rtpvrawpay !
# udpsink into sluice through a tap port; every frame must be assembled,
# inferred, and answered (a listener on the host side of the tap counts the
# result messages), with exact counters in --stats-json.
#
# Usage: test_gst.sh SLUICE_BINARY CASES_DIR [COPY_MODE]
# Skips (exit 77) without gst-launch-1.0 and rtpvrawpay, root, or /dev/net/tun.
set -u

SLUICE=$1
CASES=$2
COPY=${3:-cpu}
N=30
IFACE=sltapgst$$
IFACE=$(printf '%.15s' "$IFACE")
PY=/usr/bin/python3

command -v gst-launch-1.0 >/dev/null 2>&1 || { echo "SKIP: no gst-launch-1.0"; exit 77; }
gst-inspect-1.0 rtpvrawpay >/dev/null 2>&1 || { echo "SKIP: no rtpvrawpay (gstreamer1.0-plugins-good)"; exit 77; }
[ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] || { echo "SKIP: needs root and /dev/net/tun"; exit 77; }

TMP=$(mktemp -d)
# Addresses of this run's own (other runs of this test, or other tests, may be up at once).
A=$((100 + $$ % 100))
B=$(($$ / 100 % 250))
HOST_IP=10.$A.$B.1
SLUICE_IP=10.$A.$B.2
HOST_MAC=$(printf '02:00:00:%02x:%02x:01' "$A" "$B")
SLUICE_MAC=$(printf '02:00:00:%02x:%02x:02' "$A" "$B")
sed -e "s|../../../models/|$CASES/../../../models/|" -e "s|10.77.0.1|$HOST_IP|" \
	-e "s|10.77.0.2|$SLUICE_IP|" -e "s|02:00:00:00:77:01|$HOST_MAC|" \
	-e "s|02:00:00:00:77:02|$SLUICE_MAC|" "$CASES/gst.yaml" >"$TMP/gst.yaml"
SLUICE_PID=
LISTEN_PID=
cleanup() {
	[ -n "$LISTEN_PID" ] && kill "$LISTEN_PID" 2>/dev/null
	if [ -n "$SLUICE_PID" ] && kill -0 "$SLUICE_PID" 2>/dev/null; then
		kill -INT "$SLUICE_PID"
		wait "$SLUICE_PID" 2>/dev/null
	fi
	ip link del "$IFACE" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

EXTRA=
[ "$COPY" = dmadev ] && EXTRA="--vdev dma_skeleton0 --iova-mode=va"
[ "$COPY" = zerocopy ] && EXTRA="--iova-mode=va"
# shellcheck disable=SC2086
"$SLUICE" -l 0-1 --no-pci --no-huge -m 512 --no-shconf --no-telemetry --file-prefix gst$$ \
	--log-level lib.eal:error --vdev "net_tap0,iface=$IFACE,mac=$SLUICE_MAC" $EXTRA -- \
	--tenants "$TMP/gst.yaml" --npu-copy "$COPY" --stats-json "$TMP/stats.json" \
	>"$TMP/sluice.log" 2>&1 &
SLUICE_PID=$!

# The tap appears once sluice has started its port (bounded wait).
i=0
while ! ip link show "$IFACE" >/dev/null 2>&1 || ! grep -q "^sluice: 1 ports" "$TMP/sluice.log"; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$SLUICE_PID" 2>/dev/null; then
		cat "$TMP/sluice.log" >&2
		fail "sluice did not start"
		exit 1
	fi
	sleep 0.05
done
ip link set "$IFACE" address "$HOST_MAC" up
ip addr add "$HOST_IP/24" dev "$IFACE"
ip neigh replace "$SLUICE_IP" lladdr "$SLUICE_MAC" dev "$IFACE"
fds_start=$(ls /proc/"$SLUICE_PID"/fd | wc -l)

# The listener: result messages on HOST_IP:9999, one line per message.
"$PY" - "$N" "$HOST_IP" >"$TMP/results.txt" <<'PYEOF' &
import socket, struct, sys
n = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 9999))
s.settimeout(20)
got = 0
try:
    while got < n:
        d = s.recv(2048)
        magic, ver, status, nc, frame, ssrc, cls, _, dev_ns, lat, ctx = \
            struct.unpack_from("!4sBBHIIHHIQ32s", d)
        print(magic.decode(), ver, status, nc, frame, ssrc, cls, ctx.rstrip(b"\0").decode(),
              len(d))
        got += 1
except socket.timeout:
    pass
PYEOF
LISTEN_PID=$!
# Send once the listener is bound (bounded wait).
i=0
until ss -Hlun "src $HOST_IP:9999" | grep -q .; do
	i=$((i + 1))
	[ $i -le 200 ] || { fail "the result listener did not bind"; exit 1; }
	sleep 0.05
done

timeout 60 gst-launch-1.0 -q videotestsrc num-buffers=$N is-live=true ! \
	video/x-raw,format=RGB,width=64,height=48,framerate=30/1 ! rtpvrawpay ! \
	udpsink host="$SLUICE_IP" port=5004 || fail "gst-launch-1.0 failed"
wait "$LISTEN_PID"
LISTEN_PID=
fds_end=$(ls /proc/"$SLUICE_PID"/fd | wc -l)
[ "$fds_start" -eq "$fds_end" ] || fail "sluice had $fds_start open descriptors, then $fds_end"
kill -INT "$SLUICE_PID"
wait "$SLUICE_PID" || fail "sluice exited with status $?"
SLUICE_PID=
grep -qxF "sluice: stopped, every mbuf back in its pool" "$TMP/sluice.log" ||
	fail "sluice did not say every mbuf came back"

n=$(wc -l <"$TMP/results.txt")
[ "$n" -eq "$N" ] || fail "$n result messages, expected $N"
"$PY" - "$TMP/results.txt" "$N" <<'PYEOF' || fail "result messages are not right (above)"
import sys
rows = [l.split() for l in open(sys.argv[1])]
n = int(sys.argv[2])
bad = [r for r in rows if r[0] != "SLNR" or r[1] != "1" or r[2] != "0" or r[3] != "10"
       or r[7] != "video" or int(r[6]) > 9 or int(r[8]) != 64 + 40]
frames = {r[4] for r in rows}
ssrcs = {r[5] for r in rows}
for r in bad:
    print("bad result:", " ".join(r), file=sys.stderr)
if len(frames) != n or len(ssrcs) != 1:
    print("%d distinct frames, %d SSRCs" % (len(frames), len(ssrcs)), file=sys.stderr)
sys.exit(1 if bad or len(frames) != n or len(ssrcs) != 1 else 0)
PYEOF
"$PY" - "$TMP/stats.json" "$N" "$COPY" <<'PYEOF' || fail "counters are not exact (above)"
import json, sys
st = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
c = [x for x in st["npu"]["contexts"] if x["name"] == "video"][0]
hits = st["tenants"]["cam"]["rules"]["video"]["pkts"]
want = {"frames_in": n, "frames_complete": n, "frames_inferred": n, "results_sent": n,
        "frames_refused": 0, "frames_incomplete": 0, "frames_timed_out": 0, "frames_errors": 0,
        "pkts_bad": 0, "pkts_refused": 0, "results_dropped": 0, "bytes_moved": n * 64 * 48 * 3,
        "pkts": hits}
ok = True
for k, v in want.items():
    if c[k] != v:
        print("%s = %d, expected %d" % (k, c[k], v), file=sys.stderr)
        ok = False
if c["pkts"] % n != 0 or c["pkts"] < n:
    print("%d packets for %d frames: not the same count per frame" % (c["pkts"], n), file=sys.stderr)
    ok = False
# Zero copy: the tap received into NPU memory and every frame went as a gather list.
if c["frames_gathered"] != (n if sys.argv[3] == "zerocopy" else 0) or c["zc_copied"] != 0:
    print("frames_gathered %d, zc_copied %d" % (c["frames_gathered"], c["zc_copied"]),
          file=sys.stderr)
    ok = False
if any(c["asm"].values()):
    print("assembler refusals: %s" % c["asm"], file=sys.stderr)
    ok = False
print("gst: %d frames in %d packets, %d results" % (n, c["pkts"], c["results_sent"]))
sys.exit(0 if ok else 1)
PYEOF

if [ "$fails" -ne 0 ]; then
	sed 's/^/    | /' "$TMP/sluice.log" >&2
	echo "$fails failure(s)" >&2
	exit 1
fi
echo "gst ($COPY copy): all checks passed"
exit 0
