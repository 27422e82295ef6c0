#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The launcher: exit statuses, tenant file diagnostics, and the prompt driven
# from a pipe (non-tty stdin).
#
# Usage: test_launcher.sh SLUICE_BINARY CASES_DIR
set -u

SLUICE=$1
CASES=$2
EAL="--no-huge -m 256 --no-pci --no-shconf --no-telemetry --log-level lib.eal:error -l 0,1 --vdev net_null0,no-rx=1"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# expect_status WHAT WANT GOT
expect_status() {
	[ "$3" -eq "$2" ] || fail "$1: exit status $3, expected $2"
}

# expect_line WHAT FILE LINE: LINE is a whole line of FILE.
expect_line() {
	grep -qxF -- "$3" "$2" || { fail "$1: no line '$3' in:"; sed 's/^/    | /' "$2" >&2; }
}

# expect_clean_stop WHAT FILE: sluice said every mbuf came back once its ports closed.
expect_clean_stop() {
	expect_line "$1" "$2" "sluice: stopped, every mbuf back in its pool"
}

# ---- a broken tenant file: exit 1, every error as FILE:LINE:COLUMN: reason ----
BAD="$CASES/bad.yaml"
# shellcheck disable=SC2086
timeout 60 "$SLUICE" $EAL -- --tenants "$BAD" >"$TMP/bad.out" 2>"$TMP/bad.err"
expect_status "--tenants bad.yaml" 1 $?
expect_line "bad.yaml" "$TMP/bad.err" "$BAD:5:19: vlan 5000 out of range 1..4094"
expect_line "bad.yaml" "$TMP/bad.err" "$BAD:9:27: forward port 7 does not exist (ports are 0..0)"
expect_line "bad.yaml" "$TMP/bad.err" \
	"$BAD:13:9: unknown key 'colour' in flow (expected name, match, actions)"
expect_line "bad.yaml" "$TMP/bad.err" "$BAD: not applied; the running configuration is unchanged"
n=$(grep -c "^$BAD:[0-9]*:[0-9]*: " "$TMP/bad.err")
[ "$n" -eq 3 ] || fail "bad.yaml: $n positioned diagnostics, expected 3"

# ---- --help: exit 0, usage on stdout --------------------------------------
timeout 60 "$SLUICE" --help >"$TMP/help.out" 2>&1
expect_status "--help" 0 $?
grep -q "^Usage: " "$TMP/help.out" || fail "--help printed no Usage line"
grep -q -- "--tenants FILE" "$TMP/help.out" || fail "--help does not document --tenants"

# ---- an unknown option: exit 2 ----------------------------------------------
# shellcheck disable=SC2086
timeout 60 "$SLUICE" $EAL -- --no-such-option >"$TMP/unk.out" 2>"$TMP/unk.err"
expect_status "--no-such-option" 2 $?
expect_line "unknown option" "$TMP/unk.err" "sluice: unknown option '--no-such-option' (see --help)"

# ---- the prompt, commands piped on stdin ----------------------------------
printf '%s\n' "show tenant" "show flows acme" "show drops" "set fwd io" \
	"reload tenants $BAD" "show port info 0" "quit" >"$TMP/cmds"
# shellcheck disable=SC2086
timeout 60 "$SLUICE" $EAL -- -i --tenants "$CASES/launcher.yaml" <"$TMP/cmds" \
	>"$TMP/cli.out" 2>"$TMP/cli.err"
expect_status "-i" 0 $?
O="$TMP/cli.out"
expect_line "start" "$O" \
	"sluice: 1 ports, 1 workers, mode tenant, tenants $CASES/launcher.yaml"
# show tenant
expect_line "show tenant" "$O" \
	"  acme                            1        0                0                0"
# show flows acme
expect_line "show flows" "$O" \
	"  flow web                  0 6     10.1.0.10              10.1.0.1               40000       80                   0  count,forward 0"
# show drops: every reason, all zero (net_null0 receives nothing)
for r in eth_truncated no_tenant no_flow meter_red tx_full; do
	grep -qE "^  $r +0  " "$O" || fail "show drops: no zero line for $r"
done
n=$(grep -cE "^  [a-z0-9_]+ +0  " "$O")
# every reason of dataplane/sluice_drops.h but "none", once from 'show drops',
# once from the final statistics
reasons=$(($(grep -cE '^[[:space:]]*X\(' "$CASES/../../../dataplane/sluice_drops.h") - 1))
[ "$reasons" -gt 30 ] || fail "counted $reasons drop reasons in sluice_drops.h"
[ "$n" -eq $((2 * reasons)) ] || fail "show drops: $n zero drop lines, expected 2 x $reasons"
# set fwd io
expect_line "set fwd io" "$O" "  forwarding mode: io"
# reload of a broken file: the errors (on the prompt's stdout), and it keeps running
expect_line "reload" "$O" "$BAD:5:19: vlan 5000 out of range 1..4094"
expect_line "reload" "$O" "$BAD: not applied; the running configuration is unchanged"
grep -q "tenants reloaded" "$O" && fail "reload of a broken file said it reloaded"
# show port info 0 (after the reload: the prompt is still alive)
expect_line "show port info" "$O" "  link up, 10000 Mbps, full duplex"
grep -q "^  port 0: net_null0, driver net_null, MAC " "$O" || fail "show port info 0: no port line"
# quit: the final statistics
grep -q "final statistics" "$O" || fail "quit: no final statistics"
expect_clean_stop "quit" "$O"

# ---- the NPU: options, a device that does not exist, show npu ---------------
# shellcheck disable=SC2086
timeout 60 "$SLUICE" $EAL -- --npu-copy fast >"$TMP/npu1.out" 2>"$TMP/npu1.err"
expect_status "--npu-copy fast" 2 $?
expect_line "--npu-copy" "$TMP/npu1.err" "sluice: --npu-copy: 'fast' is not cpu, dmadev or zerocopy"
# shellcheck disable=SC2086
timeout 60 "$SLUICE" $EAL -- --npu nosuch --tenants "$CASES/gst.yaml" >"$TMP/npu2.out" 2>"$TMP/npu2.err"
expect_status "--npu nosuch" 1 $?
expect_line "--npu nosuch" "$TMP/npu2.err" \
	"$CASES/gst.yaml: device: cannot open npu device 'nosuch': No such device; not applied, the running configuration is unchanged"
# dmadev without a DMA device: refused, with what to add.
# shellcheck disable=SC2086
timeout 60 "$SLUICE" $EAL --iova-mode=va -- --npu-copy dmadev --tenants "$CASES/gst.yaml" \
	>"$TMP/npu3.out" 2>"$TMP/npu3.err"
expect_status "--npu-copy dmadev" 1 $?
grep -qF "copy: dmadev copy needs a DMA device per worker: 1 workers, 0 DMA devices (add --vdev dma_skeleton0,...)" \
	"$TMP/npu3.err" || fail "--npu-copy dmadev without a DMA device: no clear error"
printf '%s\n' "show npu" "quit" >"$TMP/cmds"
# shellcheck disable=SC2086
timeout 60 "$SLUICE" $EAL -- -i --npu swnpu,mem=16M --tenants "$CASES/gst.yaml" <"$TMP/cmds" \
	>"$TMP/npu4.out" 2>"$TMP/npu4.err"
expect_status "show npu" 0 $?
expect_line "show npu" "$TMP/npu4.out" \
	"  npu: swnpu,mem=16M (swnpu, profile none, 16 MiB), copy cpu, 8 ops in flight at most"
expect_line "show npu" "$TMP/npu4.out" \
	"  context cam/video: model digits, rfc4175 rgb8 64x48, weight 1, priority 0, quota 0 fps, depth 16, device context 0"
grep -qE "^    frames_in +0  frames started" "$TMP/npu4.out" || fail "show npu: no frames_in line"
expect_clean_stop "show npu" "$TMP/npu4.out"

# ---- the default job's camera: digits in, every result the digit sent ------
# The example tenant file with the built-in source: its camera sends 30 digit
# frames a second to hooli's NPU context; poll the live statistics (bounded)
# until 30 results came back, stop, and check the final count.
EXAMPLE=$(dirname "$CASES")/../../configs/example.yaml
# shellcheck disable=SC2086
timeout 120 "$SLUICE" $EAL --vdev net_null1,no-rx=1 -- --tenants "$EXAMPLE" --gen 2000 \
	--stats-period 1 >"$TMP/cam.out" 2>"$TMP/cam.err" &
cam_pid=$!
results=0
fds_first=
for _ in $(seq 60); do
	results=$(sed -n 's/^  gen0 cameras: .*results \([0-9]*\):.*/\1/p' "$TMP/cam.out" | tail -n 1)
	# Open descriptors once running (first results) and at the end: the same.
	[ "${results:-0}" -ge 1 ] && [ -z "$fds_first" ] && fds_first=$(ls /proc/$cam_pid/fd | wc -l)
	[ "${results:-0}" -ge 30 ] && break
	sleep 0.5
done
fds_last=$(ls /proc/$cam_pid/fd | wc -l)
[ "$fds_first" = "$fds_last" ] || fail "camera run: $fds_first open descriptors, then $fds_last"
kill -INT "$cam_pid"
wait "$cam_pid"
expect_status "example.yaml with --gen" 0 $?
expect_clean_stop "example.yaml with --gen" "$TMP/cam.out"
last=$(grep '^  gen0 cameras: ' "$TMP/cam.out" | tail -n 1)
n=$(echo "$last" | sed -n 's/.*results \([0-9]*\): \([0-9]*\) right digit, 0 wrong, 0 failed$/\1 \2/p')
set -- $n
if [ $# -ne 2 ] || [ "$1" -lt 30 ] || [ "$1" -ne "$2" ]; then
	fail "camera: expected >= 30 results, all the right digit; got: $last"
fi

# ---- EOF on stdin without quit ends the prompt cleanly ---------------------
# shellcheck disable=SC2086
printf 'show drops\n' | timeout 60 "$SLUICE" $EAL -- -i >"$TMP/eof.out" 2>&1
expect_status "-i with EOF" 0 $?
expect_clean_stop "-i with EOF" "$TMP/eof.out"

# ---- a vNIC: its port, no guest attached, and the L2 counters ----------------
cat >"$TMP/vnic.yaml" <<EOF
tenants:
  - name: acme
    match: [{port: 0}]
    uplink: {port: 0}
    vnics: [{name: vm1, socket: $TMP/vm1.sock, mac: "02:00:00:00:01:01"}]
EOF
# shellcheck disable=SC2086
printf 'show vnic\nquit\n' | timeout 60 "$SLUICE" $EAL -- -i --tenants "$TMP/vnic.yaml" \
	--vnic-dir "$TMP" >"$TMP/vnic.out" 2>&1
expect_status "-i with a vNIC" 0 $?
expect_line "show vnic" "$TMP/vnic.out" \
	"  acme                     vm1                  1  down              0              0"
expect_line "show vnic" "$TMP/vnic.out" \
	"  L2: 1 vNIC MACs, 0 learned now; since start 0 learned, 0 moved, 0 aged, 0 refused, 0 flooded"
[ -e "$TMP/vm1.sock" ] && fail "the vNIC's socket outlived sluice"
expect_clean_stop "-i with a vNIC" "$TMP/vnic.out"

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)" >&2
	exit 1
fi
echo "launcher: all checks passed"
exit 0
