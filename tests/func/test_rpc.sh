#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The launcher's JSON-RPC with sluicectl: edits, exit statuses and messages,
# tenant sockets scoped to their tenant, and config save -> restart with the
# saved file -> the same listings.
#
# Usage: test_rpc.sh SLUICE_BINARY SLUICECTL_BINARY CASES_DIR
set -u

SLUICE=$1
CTL=$2
CASES=$3
TMP=$(mktemp -d)
RPC=$TMP/rpc
EAL="--no-huge -m 256 --no-pci --no-shconf --no-telemetry --log-level lib.eal:error -l 0,1
     --file-prefix sluice-rpc-$$ --vdev net_null0,no-rx=1 --vdev net_null1,no-rx=1"
PID=
GEN_EXTRA=
fails=0

stop_sluice() {
	[ -n "$PID" ] || return 0
	kill -INT "$PID" 2>/dev/null
	# Bounded: 100 x 0.1 s.
	i=0
	while kill -0 "$PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$PID" 2>/dev/null && { kill -KILL "$PID"; fail "sluice did not stop on SIGINT"; }
	wait "$PID" 2>/dev/null
	st=$?
	# 0: a clean exit (under ASan, also no leak), every mbuf back in its pool.
	[ "$st" -eq 0 ] || { fail "sluice exited with $st"; tail -20 "$TMP/sluice.out" >&2; }
	grep -qxF "sluice: stopped, every mbuf back in its pool" "$TMP/sluice.out" ||
		fail "sluice did not say every mbuf came back"
	PID=
}
trap 'stop_sluice; rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# start_sluice TENANT_FILE: in the background, until admin.sock answers.
start_sluice() {
	# shellcheck disable=SC2086
	"$SLUICE" $EAL -- --tenants "$1" --rpc-dir "$RPC" $GEN_EXTRA >"$TMP/sluice.out" 2>&1 &
	PID=$!
	i=0
	until "$CTL" -s "$RPC/admin.sock" methods >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$PID" 2>/dev/null; then
			echo "FAIL: sluice did not start serving $RPC/admin.sock:" >&2
			cat "$TMP/sluice.out" >&2
			exit 1
		fi
		sleep 0.05
	done
}

A="$CTL -s $RPC/admin.sock"

# sluice's open descriptors once the server has closed the last finished
# client's socket (it does on its next poll): two equal reads 50 ms apart,
# at most 2 s.
settled_fds() {
	prev=$(ls /proc/"$PID"/fd | wc -l)
	for _ in $(seq 40); do
		sleep 0.05
		cur=$(ls /proc/"$PID"/fd | wc -l)
		[ "$cur" -eq "$prev" ] && break
		prev=$cur
	done
	echo "$cur"
}

# wait_path present|absent PATH: poll for up to 5 s (the server syncs tenant sockets).
wait_path() {
	i=0
	while [ $i -lt 100 ]; do
		if [ -e "$2" ]; then [ "$1" = present ] && return 0; else [ "$1" = absent ] && return 0; fi
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# expect WHAT STATUS COMMAND...: the command exits with STATUS.
expect() {
	what=$1
	want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$what: exit $got, expected $want"
		sed 's/^/    | /' "$TMP/out" "$TMP/err" >&2
	fi
}

# expect_err WHAT LINE: stderr of the last expect was exactly LINE.
expect_err() {
	if [ "$(cat "$TMP/err")" != "$2" ]; then
		fail "$1: stderr"
		echo "    got:      $(cat "$TMP/err")" >&2
		echo "    expected: $2" >&2
	fi
}

# expect_out WHAT FILE: stdout of the last expect equals FILE.
expect_out() {
	if ! diff -u "$2" "$TMP/out" >"$TMP/diff"; then
		fail "$1: output differs"
		sed 's/^/    | /' "$TMP/diff" >&2
	fi
}

listings() { # DIR: every listing sluicectl gives, one file each
	mkdir -p "$1"
	$A tenant list >"$1/tenants" || fail "tenant list"
	for t in $($A --json tenant list | sed -n 's/^ *"name": "\(.*\)",*$/\1/p'); do
		$A tenant show "$t" >"$1/show-$t" || fail "tenant show $t"
		$A flow list "$t" >"$1/flows-$t" || fail "flow list $t"
		$A rule list "$t" >"$1/rules-$t" || fail "rule list $t"
		$A --json tenant show "$t" >"$1/json-$t" || fail "tenant show --json $t"
	done
}

start_sluice "$CASES/launcher.yaml"
[ "$(stat -c %a "$RPC/admin.sock")" = 600 ] || fail "admin.sock mode $(stat -c %a "$RPC/admin.sock")"
[ -S "$RPC/tenant-acme.sock" ] || fail "no tenant-acme.sock"

# ---- edits, with every kind of object ---------------------------------------
expect "tenant add" 0 $A tenant add globex port=1,vlan=200 vni=5000 default=count,drop
expect "flow add" 0 $A flow add globex name=g1 proto=udp src=10.2.0.1 dst=10.2.0.2 sport=53 dport=53 \
	actions=count,forward=net_null1
expect "flow add (named by the model)" 0 $A flow add globex proto=tcp src=2001:db8::1 dst=2001:db8::2 \
	sport=1 dport=2 actions=drop
[ "$(cat "$TMP/out")" = flow1 ] || fail "flow add printed '$(cat "$TMP/out")', expected flow1"
expect "rule add" 0 $A rule add globex name=enc priority=7 family=ipv4 dst=172.16.0.0/12 \
	actions=vxlan_encap=02:00:00:00:02:01/02:00:00:00:02:02/192.0.2.1/192.0.2.2/200,meter=1000/2000/300/400,count,forward=1
expect "rule add" 0 $A rule add acme name=dns proto=udp dport=53-54 actions=count,drop
expect "default set" 0 $A default set acme count,forward=0
expect "match add" 0 $A match add acme port=0,vlan=101,inner_vlan=7
expect "tenant add then del" 0 $A tenant add tmp port=1
wait_path present "$RPC/tenant-tmp.sock" || fail "no tenant-tmp.sock after tenant add"
expect "tenant del" 0 $A tenant del tmp
wait_path absent "$RPC/tenant-tmp.sock" || fail "tenant-tmp.sock still there after tenant del"

cat >"$TMP/want" <<'EOF'
TENANT                   MATCHES    FLOWS  RULES CONTEXTS  DEFAULT
acme                           2        1      1        0  count,forward=0
globex                         2        2      1        0  count,drop
EOF
expect "tenant list" 0 $A tenant list
expect_out "tenant list" "$TMP/want"

printf '%s\n' \
	"RULE                  PRIO FAMILY PROTO  SRC                      SPORT       DST                      DPORT       ACTIONS" \
	"enc                      7 ipv4   any    any                      any         172.16.0.0/12            any         meter=1000/2000/300/400,vxlan_encap=02:00:00:00:02:01/02:00:00:00:02:02/192.0.2.1/192.0.2.2/200/0/0/0,count,forward=1" \
	>"$TMP/want"
expect "rule list" 0 $A rule list globex
expect_out "rule list" "$TMP/want"

# ---- refusals: exit 1 and a message that says what to fix -------------------
# Every sluicectl call below is a connection of its own: none may leave a descriptor.
fds_before=$(settled_fds)
expect "duplicate flow" 1 $A flow add globex name=g1 proto=udp src=10.2.0.9 dst=10.2.0.2 sport=53 dport=53 actions=drop
expect_err "duplicate flow" \
	"sluicectl: flow_add: flow 'g1' already exists [name] (Already exists, code -32002)"
expect "bad port" 1 $A flow add globex proto=udp src=10.2.0.9 dst=10.2.0.2 sport=53 dport=53 actions=forward=net_null7
expect_err "bad port" \
	"sluicectl: flow_add: forward 'net_null7' not found (port_list shows the ports) [actions[0].forward] (Invalid params, code -32602)"
expect "range in a flow" 1 $A flow add globex proto=udp src=10.2.0.9 dst=10.2.0.2 sport=1-9 dport=53 actions=drop
expect_err "range in a flow" \
	"sluicectl: flow_add: sport 1-9 is a range; an exact flow needs one port (use a rule) [sport] (Invalid value, code -32001)"
expect "no tenant" 1 $A flow list nosuch
expect_err "no tenant" \
	"sluicectl: flow_list: no tenant 'nosuch' (tenant_list shows them) [tenant] (Not found, code -32003)"
expect "taken match" 1 $A tenant add other port=1,vlan=200
expect_err "taken match" \
	"sluicectl: tenant_add: tenant 'globex' already matches port 1 vlan 200 [match[0]] (Already exists, code -32002)"
expect "json error" 1 $A --json flow del globex nosuch
grep -q '"code": -32003' "$TMP/err" || fail "--json error: no code in $(cat "$TMP/err")"
expect "usage" 2 $A flow add
expect "usage" 2 $A frobnicate
expect "usage" 2 $A call flow_list '[1]'
expect "connect" 3 "$CTL" -s "$TMP/nosuch.sock" tenant list

# ---- scope: a tenant's socket reaches its own objects only ------------------
G="$CTL -s $RPC/tenant-globex.sock"
expect "own list" 0 $G flow list globex
expect "other's list" 1 $G flow list acme
expect_err "other's list" \
	"sluicectl: flow_list: this socket belongs to tenant 'globex'; it cannot reach tenant 'acme' [tenant] (Permission denied, code -32005)"
expect "other's add" 1 $G rule add acme actions=drop
expect "other's del" 1 $G flow del acme web
expect "other's default" 1 $G default set acme drop
expect "other's stats" 1 $G stats acme
expect "tenant del from a tenant" 1 $G tenant del acme
expect_err "tenant del from a tenant" \
	"sluicectl: tenant_del: tenant_del needs the admin socket; this one belongs to tenant 'globex' [method] (Permission denied, code -32005)"
expect "own add" 0 $G rule add globex name=mine actions=drop
expect "own del" 0 $G rule del globex mine
expect "tenant list from a tenant" 0 $G tenant list
[ "$(grep -c . "$TMP/out")" -eq 2 ] || fail "tenant list on globex's socket shows $(grep -c . "$TMP/out") lines"
grep -q '^acme ' "$TMP/out" && fail "globex's socket lists acme"
# Nothing of acme changed.
expect "acme untouched" 0 $A flow list acme
grep -q '^web ' "$TMP/out" || fail "acme's flow web is gone"

fds_after=$(settled_fds)
[ "$fds_before" -eq "$fds_after" ] || fail "sluice had $fds_before open descriptors, then $fds_after"

# ---- config save, restart with it, the same listings ------------------------
listings "$TMP/before"
expect "config save" 0 $A config save "$TMP/saved.yaml"
stop_sluice
[ -e "$RPC/admin.sock" ] && fail "admin.sock left behind after exit"
start_sluice "$TMP/saved.yaml"
listings "$TMP/after"
if ! diff -r "$TMP/before" "$TMP/after" >"$TMP/diff"; then
	fail "listings differ after a restart with the saved file"
	sed 's/^/    | /' "$TMP/diff" >&2
fi
# Saved again: the same bytes.
expect "config save again" 0 $A config save "$TMP/saved2.yaml"
cmp -s "$TMP/saved.yaml" "$TMP/saved2.yaml" || fail "a second save differs from the first"
stop_sluice

# ---- bad clients: refused or cut off, nothing half-applied, traffic flows ---
EAL="$EAL --vdev net_null2,no-rx=1"
GEN_EXTRA="--gen 20000"
start_sluice "$TMP/saved.yaml"
expect "feeder" 0 $A tenant add feeder port=gen0 default=count,forward=2
tx2() { $A --json stats | /usr/bin/python3 -c \
	'import json,sys; print(json.load(sys.stdin)["ports"][2]["tx_pkts"])'; }
before=$(tx2)
/usr/bin/python3 - "$RPC/admin.sock" >"$TMP/abuse" 2>&1 <<'PY' || fail "abuse script: $(cat "$TMP/abuse")"
import json, select, socket, sys, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(10)
    return s
def line(s):
    b = b""
    while not b.endswith(b"\n"):
        c = s.recv(65536)
        if not c:
            return None
        b += c
    return json.loads(b)
def code(r):
    return r["error"]["code"]
# Oversized: 2 MiB without a newline -> -32600, then closed.
s = conn()
try:
    s.sendall(b"{" * (2 << 20))
except (BrokenPipeError, ConnectionResetError):
    pass
r = line(s)
assert r is not None and code(r) == -32600, r
assert line(s) is None
s.close()
# Malformed, wrong types, unknown method and field: an error each, same connection.
s = conn()
for req, want in ((b"{nonsense\n", -32700),
                  (b'[1,2]\n', -32600),
                  (b'{"jsonrpc":"2.0","id":1,"method":"nope"}\n', -32601),
                  (b'{"jsonrpc":"2.0","id":2,"method":"flow_list","params":{"tenant":7}}\n', -32602),
                  (b'{"jsonrpc":"2.0","id":3,"method":"flow_add","params":{"tenant":"feeder",'
                   b'"match":{},"actions":"drop","x":1}}\n', -32602)):
    s.sendall(req)
    r = line(s)
    assert r is not None and code(r) == want, (req, r)
s.close()
# Many clients: past 64, told so and closed; those in still served.
many = [conn() for _ in range(70)]
busy = 0
pending = set(many)
deadline = time.monotonic() + 5
while busy < 6 and time.monotonic() < deadline:
    ready, _, _ = select.select(list(pending), [], [], 0.1)
    for c in ready:
        pending.discard(c)
        r = line(c)
        if r is not None and code(r) == -32007:
            busy += 1
assert busy >= 6, busy
for c in many:
    c.close()
# Gone mid-request: a tenant_del without its newline never runs.
s = conn()
s.sendall(b'{"jsonrpc":"2.0","id":9,"method":"tenant_del","params":{"name":"feeder"}}')
s.close()
# The server lets go of closed clients on its next poll: until then a new one
# may still be over the limit. Wait (bounded) until one is served again.
deadline = time.monotonic() + 5
while True:
    s = conn()
    s.sendall(b'{"jsonrpc":"2.0","id":10,"method":"rpc_methods"}\n')
    r = line(s)
    s.close()
    if r is not None and "result" in r:
        break
    assert time.monotonic() < deadline, r
    time.sleep(0.02)
print("ok", busy)
PY
expect "still serving" 0 $A tenant show feeder
# The data plane kept forwarding: port 2's TX moves on (polled, bounded).
i=0
while [ "$(tx2)" -le "$before" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(tx2)" -gt "$before" ] || fail "port 2 forwarded nothing after the bad clients ($before)"
stop_sluice

# ---- the NPU over RPC: a model and a context on the software NPU ------------
MODEL=$(cd "$CASES/../../.." && pwd)/models/digits.snm
GEN_EXTRA="--npu swnpu,mem=16M"
start_sluice "$CASES/launcher.yaml"
expect "npu model add" 0 $A npu model add digits "$MODEL"
printf '%-16s %7s %12s  %s\n' NAME CLASSES MACS FILE >"$TMP/want"
printf '%-16s %7s %12s  %s\n' digits 10 "$($A --json npu model list | /usr/bin/python3 -c \
	'import json,sys; print(json.load(sys.stdin)[0]["macs"])')" "$MODEL" >>"$TMP/want"
expect "npu model list" 0 $A npu model list
expect_out "npu model list" "$TMP/want"
expect "npu model add: not a model" 1 $A npu model add junk "$CASES/launcher.yaml"
expect_err "npu model add: not a model" \
	"sluicectl: npu_model_add: model 'junk': the device refused $CASES/launcher.yaml: not a valid model blob [file] (Invalid value, code -32001)"
CAM='{"name":"cam","model":"digits","input":{"format":"rfc4175","pixel":"rgb8","width":64,"height":48},"priority":2,"weight":3,"queue_depth":8}'
expect "npu context add" 0 $A npu context add acme "$CAM"
[ "$(cat "$TMP/out")" = cam ] || fail "npu context add printed '$(cat "$TMP/out")'"
expect "npu context add: too wide for the model" 1 $A npu context add acme \
	'{"name":"big","model":"digits","input":{"format":"tensor","width":4096,"height":4096}}'
grep -q '(Not applied, code -32006)$' "$TMP/err" || fail "too wide: $(cat "$TMP/err")"
expect "npu model del in use" 1 $A npu model del digits
expect_err "npu model del in use" \
	"sluicectl: npu_model_del: model 'digits' is used by npu context 'cam' of tenant 'acme' [name] (In use, code -32010)"
# On the device: counters from the bridge, a device context, faults reach it.
ctx_get() { $A --json npu context show acme cam | /usr/bin/python3 -c "
import json,sys; r=json.load(sys.stdin); c=r['context']; s=r['stats']
print(c['model'], c['input']['width'], c['priority'], c['weight'], c['queue_depth'],
      s['frames_in'], s['latency_p99_ns'], s['device']['enqueued'])"; }
[ "$(ctx_get)" = "digits 64 2 3 8 0 0 0" ] || fail "npu context show: $(ctx_get)"
expect "npu_fault" 0 $CTL -s "$RPC/admin.sock" call npu_fault '{"tenant":"acme","name":"cam","kind":"error","count":2}'
grep -q '"kind": "error"' "$TMP/out" || fail "npu_fault: $(cat "$TMP/out")"
expect "npu_fault from a tenant" 1 "$CTL" -s "$RPC/tenant-acme.sock" call npu_fault \
	'{"name":"cam","kind":"none"}'
grep -q '"code": -32005' "$TMP/err" || fail "npu_fault from a tenant: $(cat "$TMP/err")"
printf '%-16s %-16s %-12s %-18s %4s %6s %7s %5s\n' TENANT NAME MODEL INPUT PRIO WEIGHT QUOTA DEPTH \
	>"$TMP/want"
printf '%-16s %-16s %-12s %-18s %4s %6s %7s %5s\n' acme cam digits "rfc4175 rgb8 64x48" 2 3 0 8 \
	>>"$TMP/want"
expect "npu context list (tenant)" 0 "$CTL" -s "$RPC/tenant-acme.sock" npu context list
expect_out "npu context list (tenant)" "$TMP/want"
# Saved and restarted: the model and the context come back, on the device again.
expect "config save (npu)" 0 $A config save "$TMP/npu.yaml"
grep -q "{name: \"digits\", file: " "$TMP/npu.yaml" || { fail "saved file has no model digits"; cat "$TMP/npu.yaml" >&2; }
stop_sluice
start_sluice "$TMP/npu.yaml"
[ "$(ctx_get)" = "digits 64 2 3 8 0 0 0" ] || fail "npu context show after restart: $(ctx_get)"
expect "npu context del" 0 $A npu context del acme cam
expect "npu model del" 0 $A npu model del digits
expect "npu context list (empty)" 0 $A npu context list
[ "$(grep -c . "$TMP/out")" -eq 1 ] || fail "contexts left: $(cat "$TMP/out")"
stop_sluice

# ---- vNICs over RPC: vhost-user sockets come and go, link state, scope ------
VDIR=$TMP/vnic
mkdir -p "$VDIR"
GEN_EXTRA="--vnic-dir $VDIR"
start_sluice "$CASES/launcher.yaml"
# vnic_list, one line per vNIC: tenant name mode queues mac dev port link rx rx_bytes tx socket
vnics() { $A --json vnic list | /usr/bin/python3 -c "
import json,sys
for e in json.load(sys.stdin):
    v=e['vnic']; s=e['stats'] or {}
    print(e['tenant'], v['name'], v['mode'], v['queues'], v['mac'], e['dev'], e['port'], e['link'],
          s.get('rx_pkts'), s.get('rx_bytes'), s.get('tx_pkts'), v['socket'])"; }
# wait_link NAME up|down: poll vnic_list for up to 10 s.
wait_link() {
	i=0
	while [ $i -lt 200 ]; do
		vnics | grep -q "^acme $1 .* $2 [0-9]* [0-9]* [0-9]* " && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
expect "vnic add" 0 $A vnic add acme name=vm1 socket="$VDIR/acme-vm1.sock" mac=02:00:00:00:0a:01
[ "$(cat "$TMP/out")" = vm1 ] || fail "vnic add printed '$(cat "$TMP/out")', expected vm1"
wait_path present "$VDIR/acme-vm1.sock" || fail "no vhost-user socket after vnic add"
[ -S "$VDIR/acme-vm1.sock" ] || fail "$VDIR/acme-vm1.sock is not a socket"
# Ports 0..2 are net_null0..2: the vNIC is port 3, no guest yet.
[ "$(vnics)" = "acme vm1 server 1 02:00:00:00:0a:01 net_vhost_acme_vm1 3 down 0 0 0 $VDIR/acme-vm1.sock" ] ||
	fail "vnic list after vnic add: $(vnics)"
printf '%-16s %-16s %-6s %6s %-17s %4s %4s %14s %14s  %s\n' TENANT NAME MODE QUEUES MAC PORT LINK \
	RX-PACKETS TX-PACKETS SOCKET >"$TMP/want"
printf '%-16s %-16s %-6s %6s %-17s %4s %4s %14s %14s  %s\n' acme vm1 server 1 02:00:00:00:0a:01 3 down \
	0 0 "$VDIR/acme-vm1.sock" >>"$TMP/want"
expect "vnic list" 0 $A vnic list
expect_out "vnic list" "$TMP/want"
# Refusals change nothing: outside --vnic-dir (the data plane's check), a socket taken.
expect "vnic add outside --vnic-dir" 1 $A vnic add acme name=vm2 socket="$TMP/vm2.sock" mac=02:00:00:00:0a:02
expect_err "vnic add outside --vnic-dir" \
	"sluicectl: vnic_add: the data plane refused the change: vnic 'vm2' of tenant 'acme': socket '$TMP/vm2.sock' is not in $VDIR; nothing changed [socket] (Not applied, code -32006)"
[ -e "$TMP/vm2.sock" ] && fail "a refused vnic left $TMP/vm2.sock"
expect "tenant for vnics" 0 $A tenant add beta port=1
expect "vnic add: socket taken" 1 $A vnic add beta name=b1 socket="$VDIR/acme-vm1.sock" mac=02:00:00:00:0b:01
expect_err "vnic add: socket taken" \
	"sluicectl: vnic_add: socket '$VDIR/acme-vm1.sock' is already used by vnic 'vm1' of tenant 'acme' [vnic.socket] (Already exists, code -32002)"
expect "vnic add: bad mac" 1 $A vnic add beta name=b1 socket="$VDIR/b1.sock" mac=01:00:5e:00:00:01
expect_err "vnic add: bad mac" \
	"sluicectl: vnic_add: mac must not be a multicast address [vnic.mac] (Invalid value, code -32001)"
# A tenant's socket: its own vNICs, inside --vnic-dir, nothing of the others.
wait_path present "$RPC/tenant-beta.sock" || fail "no tenant-beta.sock"
B="$CTL -s $RPC/tenant-beta.sock"
expect "vnic add from a tenant" 0 $B vnic add beta name=b1 socket="$VDIR/b1.sock" mac=02:00:00:00:0b:01 queues=2
wait_path present "$VDIR/b1.sock" || fail "no $VDIR/b1.sock after a tenant's vnic add"
expect "vnic add from a tenant: outside" 1 $B vnic add beta name=b2 socket="$TMP/b2.sock" mac=02:00:00:00:0b:02
expect_err "vnic add from a tenant: outside" \
	"sluicectl: vnic_add: socket '$TMP/b2.sock' is not in $VDIR (a tenant's vnics must be) [vnic.socket] (Permission denied, code -32005)"
expect "vnic add from a tenant: another's socket" 1 $B vnic add beta name=b2 socket="$VDIR/acme-vm1.sock" mac=02:00:00:00:0b:02
expect_err "vnic add from a tenant: another's socket" \
	"sluicectl: vnic_add: socket '$VDIR/acme-vm1.sock' is already in use [vnic.socket] (Already exists, code -32002)"
expect "vnic del from a tenant: another's" 1 $B vnic del acme vm1
expect_err "vnic del from a tenant: another's" \
	"sluicectl: vnic_del: this socket belongs to tenant 'beta'; it cannot reach tenant 'acme' [tenant] (Permission denied, code -32005)"
expect "vnic list from a tenant" 0 $B vnic list
[ "$(grep -c . "$TMP/out")" -eq 2 ] && grep -q '^beta  *b1  *server  *2 ' "$TMP/out" ||
	fail "vnic list on beta's socket: $(cat "$TMP/out")"
# A guest attaches (vhost_guest.py: a vhost-user front-end in Python) and sends
# 5 frames of 60 bytes: link up, the counters exact; it leaves: link down.
/usr/bin/python3 - "$VDIR/acme-vm1.sock" "$CASES/.." "$TMP/guest.stop" >"$TMP/guest.out" 2>&1 <<'PY' &
import os, sys, time
sys.path.insert(0, sys.argv[2])
from vhost_guest import Guest, frame, wait_used
g = Guest(sys.argv[1])
g.setup()
for slot in range(5):
    addr, ln = g.frame_at(slot, frame(b"\xff" * 6, bytes.fromhex("02000000" "0a01"), slot))
    g.desc(1, slot, addr, ln)
    g.post(1, slot)
assert wait_used(g, 1, 5), "sluice took %d of 5 frames" % g.used_idx(1)
print("sent", flush=True)
end = time.monotonic() + 30
while not os.path.exists(sys.argv[3]) and time.monotonic() < end:
    time.sleep(0.02)
g.close()
PY
GUEST=$!
wait_link vm1 up || { fail "vnic list: link not up with a guest: $(vnics)"; sed 's/^/    | /' "$TMP/guest.out" >&2; }
# The workers count a burst after the guest sees it taken: poll (bounded, 10 s).
want="acme vm1 server 1 02:00:00:00:0a:01 net_vhost_acme_vm1 3 up 5 300 0 $VDIR/acme-vm1.sock"
i=0
until [ "$(vnics | grep '^acme vm1 ')" = "$want" ] || [ $i -ge 200 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(vnics | grep '^acme vm1 ')" = "$want" ] ||
	{ fail "vnic list with a guest that sent 5 frames: $(vnics)"; sed 's/^/    | /' "$TMP/guest.out" >&2; }
touch "$TMP/guest.stop"
wait "$GUEST" || fail "the guest failed: $(cat "$TMP/guest.out")"
wait_link vm1 down || fail "vnic list: link still up after the guest left: $(vnics)"
# Saved, restarted with the file: the same vNICs, sockets there again.
expect "config save (vnics)" 0 $A config save "$TMP/vnics.yaml"
# The configuration's columns (counters start again with the ports).
vnics | cut -d' ' -f1-8,12 >"$TMP/vnics-before"
stop_sluice
[ -e "$VDIR/acme-vm1.sock" ] && fail "$VDIR/acme-vm1.sock left behind after exit"
start_sluice "$TMP/vnics.yaml"
wait_path present "$VDIR/b1.sock" || fail "no $VDIR/b1.sock after a restart with the saved file"
vnics | cut -d' ' -f1-8,12 >"$TMP/vnics-after"
if ! diff -u "$TMP/vnics-before" "$TMP/vnics-after" >"$TMP/diff"; then
	fail "vnic list differs after a restart with the saved file"
	sed 's/^/    | /' "$TMP/diff" >&2
fi
# Deleted with a guest attached: the guest is cut off, the socket goes.
rm -f "$TMP/guest.stop"
/usr/bin/python3 - "$VDIR/acme-vm1.sock" "$CASES/.." "$TMP/guest.stop" >"$TMP/guest.out" 2>&1 <<'PY' &
import os, sys, time
sys.path.insert(0, sys.argv[2])
from vhost_guest import Guest
g = Guest(sys.argv[1])
g.setup()
end = time.monotonic() + 30
while not os.path.exists(sys.argv[3]) and time.monotonic() < end:
    time.sleep(0.02)
print("alive" if g.alive() else "cut off", flush=True)
g.close()
PY
GUEST=$!
wait_link vm1 up || fail "vnic list: link not up with a guest after the restart: $(vnics)"
expect "vnic del" 0 $A vnic del acme vm1
wait_path absent "$VDIR/acme-vm1.sock" || fail "$VDIR/acme-vm1.sock still there after vnic del"
touch "$TMP/guest.stop"
wait "$GUEST"
[ "$(cat "$TMP/guest.out")" = "cut off" ] || fail "the guest of a deleted vnic: $(cat "$TMP/guest.out")"
expect "vnic del again" 1 $A vnic del acme vm1
expect_err "vnic del again" \
	"sluicectl: vnic_del: no vnic 'vm1' in tenant 'acme' [name] (Not found, code -32003)"
expect "tenant del with a vnic" 0 $A tenant del beta
wait_path absent "$VDIR/b1.sock" || fail "$VDIR/b1.sock still there after tenant del"
[ -z "$(vnics)" ] || fail "vnics left: $(vnics)"
stop_sluice

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)" >&2
	exit 1
fi
echo "rpc: all checks passed"
exit 0
