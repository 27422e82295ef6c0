#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Soak sluice: mixed traffic, control-plane churn, NPU frames and device faults
for a set time; report memory, descriptors, mbufs in use and drops by reason,
and check that every packet is accounted for.

One sluice process: net_null0/net_null1 uplinks (no-rx), the built-in source
gen0 (--gen PPS) with the tenants of perf/soak.yaml, a net_tap0 port whose host
side (slsoak0, 10.77.0.1) sends RFC 4175 digits frames to tenant cam's NPU
context and reads the results back, --rpc-dir for churn and faults, and tenant
vm's vNIC, to which a vhost-user guest (tests/func/vhost_guest.py) connects,
sends a burst and disconnects every --guest-every seconds; every fifth session
is a malformed one (bad_guest.py's cases, in turn).

Checks (exit 1 when one fails, 2 for a setup problem):
  flat      RSS, open fds and mbufs in use: the last sample is within the
            tolerance of the first sample after warm-up (RSS +- max(2 MiB, 2%),
            fds +- 2, mbufs in use +- max(256 + 2x the largest cache, 5%));
  accounted packets in (every port's rx) = forwarded (every port's tx, less the
            NPU result messages the workers sent) + dropped by named reason +
            taken into NPU memory (to_npu packets not refused); gen0 offered =
            gen0 received (nothing left in flight after the stop); NPU frames
            sent on the tap = results + refused + incomplete + timed out + still
            queued, per the bridge's counters, and results received = sent;
            the vNIC received exactly the frames the well-behaved guest
            sessions saw taken (their used index), nothing from the malformed.
Run as root (hugepages, the tap) with /usr/bin/python3.
"""

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests", "func"))
from dpdkproc import DpdkProc, StartError  # noqa: E402
import vhost_guest  # noqa: E402

PREFIX = "sluice-soak"
TAP = "slsoak0"
HOST_IP, DP_IP, DP_MAC, HOST_MAC = "10.77.0.1", "10.77.0.2", "02:00:00:00:77:02", "02:00:00:00:77:01"
NPU_PORT = 5004


def log(msg):
    print("soak: " + msg, file=sys.stderr, flush=True)


class Rpc:
    """JSON-RPC over the admin socket (docs/rpc.md): one request per line."""

    def __init__(self, path):
        self.path = path
        self.sock = None
        self.buf = b""
        self.next_id = 1

    def _connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)
        self.buf = b""

    def call(self, method, params=None):
        """(result, error) of one request; reconnects once if the server
        closed an idle connection."""
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self._connect()
                req = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
                if params is not None:
                    req["params"] = params
                self.next_id += 1
                self.sock.sendall(json.dumps(req).encode() + b"\n")
                while b"\n" not in self.buf:
                    chunk = self.sock.recv(1 << 20)
                    if not chunk:
                        raise ConnectionError("closed")
                    self.buf += chunk
                line, self.buf = self.buf.split(b"\n", 1)
                resp = json.loads(line)
                if resp.get("id") is None:  # -32008 idle close: retry fresh
                    raise ConnectionError(str(resp.get("error")))
                return resp.get("result"), resp.get("error")
            except (OSError, ConnectionError, ValueError):
                self.close()
                if attempt:
                    raise
        return None, None

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock = None


class Churn:
    """Adds and deletes flows, rules and whole tenants, one change per step,
    cycling through a fixed sequence so the configuration returns to the
    start every cycle."""

    def __init__(self, rpc):
        self.rpc = rpc
        self.n = 0
        self.ok = 0
        self.refused = {}
        self.by_method = {}

    def _do(self, method, params):
        res, err = self.rpc.call(method, params)
        self.by_method[method] = self.by_method.get(method, 0) + 1
        if err:
            key = "%s: %s" % (method, err.get("message"))
            self.refused[key] = self.refused.get(key, 0) + 1
        else:
            self.ok += 1

    def step(self):
        i = self.n
        self.n += 1
        k = (i // 8) % 50
        phase = i % 8
        tn = "churn%d" % k
        vlan = 1000 + k
        if phase == 0:
            self._do("tenant_add", {
                "name": tn, "match": [{"port": "gen0", "vlan": vlan}], "default": ["count", "drop"],
                "flows": [{"name": "f0", "match": {"proto": "udp", "src": "10.9.%d.1" % k,
                                                    "dst": "10.9.%d.2" % k, "sport": 1000, "dport": 2000},
                           "actions": ["count", {"forward": "net_null0"}]}],
                "rules": [{"name": "r0", "priority": 1, "match": {"proto": "tcp", "dport": "80-90"},
                           "actions": [{"meter": {"cir": 50000, "pir": 100000, "cbs": 5000,
                                                  "pbs": 10000}}, "count", {"forward": "net_null1"}]}]})
        elif phase == 1:
            self._do("flow_add", {"tenant": tn, "name": "f1", "match": {
                "proto": "tcp", "src": "10.9.%d.3" % k, "dst": "10.9.%d.4" % k, "sport": 3000,
                "dport": 443}, "actions": ["count", {"forward": "net_null1"}]})
        elif phase == 2:
            self._do("rule_add", {"tenant": tn, "name": "r1", "priority": 5, "match": {
                "family": "ipv4", "dst": "172.16.0.0/12"}, "actions": [
                {"vxlan_encap": {"src_mac": "02:00:00:00:03:01", "dst_mac": "02:00:00:00:03:02",
                                 "src_ip": "192.0.2.11", "dst_ip": "192.0.2.12", "vni": 3000 + k}},
                "count", {"forward": "net_null1"}]})
        elif phase == 3:
            # Churn an existing tenant too: shop gains and loses a flow.
            self._do("flow_add", {"tenant": "shop", "name": "tmp%d" % k, "match": {
                "proto": "udp", "src": "10.1.7.%d" % (k + 1), "dst": "10.1.0.1", "sport": 7000,
                "dport": 7000}, "actions": ["count", {"forward": "net_null0"}]})
        elif phase == 4:
            self._do("flow_del", {"tenant": "shop", "name": "tmp%d" % k})
        elif phase == 5:
            self._do("rule_del", {"tenant": tn, "name": "r1"})
        elif phase == 6:
            self._do("flow_del", {"tenant": tn, "name": "f1"})
        else:
            self._do("tenant_del", {"name": tn})


class Faults:
    """npu_fault over RPC, when the server has it (rpc_methods says): its
    params are taken from what rpc_methods lists."""

    KINDS = ("error", "full", "error", "timeout")

    def __init__(self, rpc):
        self.rpc = rpc
        self.params = None
        self.sent = 0
        self.refused = {}
        methods, err = rpc.call("rpc_methods")
        for m in methods or []:
            if m.get("name") == "npu_fault":
                self.params = [p["name"] for p in m.get("params", [])]
        self.available = self.params is not None

    def inject(self, i):
        vals = {"tenant": "cam", "context": "digits", "ctx": "digits", "name": "digits",
                "kind": self.KINDS[i % len(self.KINDS)], "count": 1}
        params = {p: vals[p] for p in self.params if p in vals}
        res, err = self.rpc.call("npu_fault", params)
        if err:
            key = err.get("message", "?")
            self.refused[key] = self.refused.get(key, 0) + 1
        else:
            self.sent += 1


class Camera:
    """RFC 4175 digits frames from the tap's host side; results back."""

    def __init__(self, fps):
        import rfc4175_send
        self.mod = rfc4175_send
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST_IP, 0))
        self.sock.setblocking(False)
        # Ten digits of the test split, 32x32 gray8, sent in turn.
        self.frames = [bytes(f) for f, _label in rfc4175_send.digit_frames(10, 32, 32, 1)]
        self.ssrc = 0x50AC
        self.seq = 0
        self.ts = 0
        self.period = 1.0 / fps
        self.next_t = time.monotonic()
        self.sent_frames = self.sent_pkts = 0
        self.results = 0
        self.result_status = {}

    def tick(self):
        now = time.monotonic()
        while now >= self.next_t:
            frame = self.frames[self.sent_frames % len(self.frames)]
            pkts, self.seq = self.mod.rfc4175_packets(frame, 32, 32, 1, self.ts, self.ssrc, self.seq)
            self.ts = (self.ts + self.mod.RTP_CLOCK_PER_FRAME) & 0xFFFFFFFF
            for p in pkts:
                self.sock.sendto(p, (DP_IP, NPU_PORT))
            self.sent_pkts += len(pkts)
            self.sent_frames += 1
            self.next_t += self.period
        self.drain()

    def drain(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            self.results += 1
            r = self.mod.parse_result(data)
            st = "status %d" % r["status"] if r else "not a result"
            self.result_status[st] = self.result_status.get(st, 0) + 1


class Guests:
    """Guest sessions on tenant vm's vNIC: connect, bring the queues up, send
    a burst of broadcast frames, wait (bounded) until sluice took them all,
    disconnect. Every fifth session runs one of bad_guest.py's malformed
    cases instead."""

    BURST = 32
    MAC = bytes.fromhex("020000004001")

    def __init__(self, path):
        self.path = path
        self.n = self.good = self.hostile = 0
        self.sent = self.taken = 0
        self.problems = []
        self.cases = vhost_guest.TX_CASES + vhost_guest.MSG_CASES

    def session(self):
        i = self.n
        self.n += 1
        g = vhost_guest.Guest(self.path)
        try:
            if i % 5 == 4:
                name, fn = self.cases[(i // 5) % len(self.cases)]
                if (name, fn) in vhost_guest.TX_CASES:
                    g.setup()
                try:
                    fn(g)
                    # Nothing to wait for: sluice must look at the bad ring and take nothing.
                    time.sleep(0.2)
                except OSError:
                    pass  # sluice closed the connection: the refusal
                self.hostile += 1
                return
            g.setup()
            for slot in range(self.BURST):
                addr, ln = g.frame_at(slot, vhost_guest.frame(b"\xff" * 6, self.MAC, i & 0xFF))
                g.desc(1, slot, addr, ln)
                g.post(1, slot)
            self.sent += self.BURST
            vhost_guest.wait_used(g, 1, self.BURST, timeout=5)
            used = g.used_idx(1)
            self.taken += used
            if used != self.BURST:
                self.problems.append("guest session %d: sluice took %d of %d frames"
                                     % (i, used, self.BURST))
            self.good += 1
        finally:
            g.close()


def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def tap_setup(proc, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while not os.path.exists("/sys/class/net/" + TAP):
        if time.monotonic() > deadline or not proc.alive():
            raise StartError("no %s interface" % TAP, proc.log_tail())
        time.sleep(0.05)
    # No IPv6 chatter (router solicitations, MLD): only what the soak sends.
    with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % TAP, "w") as fh:
        fh.write("1\n")
    sh("ip", "link", "set", TAP, "address", HOST_MAC, "up")
    sh("ip", "addr", "replace", HOST_IP + "/24", "dev", TAP)
    sh("ip", "neigh", "replace", DP_IP, "lladdr", DP_MAC, "dev", TAP)


def sample(proc):
    pid = proc.proc.pid
    with open("/proc/%d/status" % pid) as fh:
        rss = int(re.search(r"VmRSS:\s+(\d+)", fh.read()).group(1))
    fds = len(os.listdir("/proc/%d/fd" % pid))
    pools = proc.tel.query("/sluice/mempools") or {}
    drops = proc.tel.query("/sluice/drops") or {}
    return {"t": time.monotonic(), "rss_kb": rss, "fds": fds,
            "mbufs_in_use": int(pools.get("sluice_mbuf", -1)),
            "gen_in_use": int(pools.get("gen0_pool", -1)), "pools": pools,
            "drops": {k: v for k, v in drops.items() if v}}


def flat(first, last, kind):
    if kind == "rss_kb":
        tol = max(2048, first * 0.02)
    elif kind == "fds":
        tol = 2
    else:
        tol = max(256 + 2 * 256, first * 0.05)
    return abs(last - first) <= tol, tol


def gen_stats(log_path):
    with open(log_path, errors="replace") as fh:
        m = re.findall(r"gen0: offered (\d+), refused \(ring full\) (\d+), received back (\d+)", fh.read())
    if not m:
        return None
    st = dict(zip(("offered", "refused", "returned"), map(int, m[-1])))
    # Since the generator has cameras (one per to_npu rule of an RFC 4175 context).
    with open(log_path, errors="replace") as fh:
        c = re.findall(r"gen0 cameras: (\d+), frames sent (\d+) \((\d+) packets, (\d+) not sent: "
                       r"ring full\), results (\d+): (\d+) right digit, (\d+) wrong, (\d+) failed",
                       fh.read())
    if c:
        st["cameras"] = dict(zip(("cameras", "frames", "pkts", "refused", "results", "right", "wrong",
                                  "failed"), map(int, c[-1])))
    return st


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--pps", type=int, default=100000, help="gen0 rate")
    ap.add_argument("--fps", type=float, default=20.0, help="NPU frames per second on the tap")
    ap.add_argument("--churn-hz", type=float, default=10.0, help="configuration changes per second")
    ap.add_argument("--fault-every", type=float, default=5.0, help="seconds between NPU faults")
    ap.add_argument("--guest-every", type=float, default=2.0,
                    help="seconds between guest sessions on the vNIC")
    ap.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    ap.add_argument("--warmup", type=float, default=30.0, help="seconds before the flat baseline")
    ap.add_argument("--sluice", default=os.path.join(ROOT, "build", "dataplane", "sluice"))
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()

    if os.geteuid() != 0:
        log("run as root (hugepages, the tap)")
        return 2
    if not os.access(args.sluice, os.X_OK):
        log("no sluice at %s (ninja -C build dataplane/sluice)" % args.sluice)
        return 2
    os.makedirs(args.out, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    rpc_dir = "/tmp/%s-rpc" % PREFIX
    os.makedirs(rpc_dir, exist_ok=True)
    vnic_dir = "/tmp/%s-vnic" % PREFIX  # soak.yaml's vNIC socket is there
    os.makedirs(vnic_dir, exist_ok=True)
    stats_json = os.path.join(args.out, "soak-%s-stats.json" % stamp)
    log_path = os.path.join(args.out, "soak-%s-sluice.log" % stamp)
    argv = [args.sluice, "-l", "0-1", "--no-pci", "--file-prefix", PREFIX, "--huge-unlink",
            "-m", "512", "--vdev", "net_null0,no-rx=1", "--vdev", "net_null1,no-rx=1",
            "--vdev", "net_tap0,iface=%s,mac=%s" % (TAP, DP_MAC), "--",
            "--tenants", os.path.join(HERE, "soak.yaml"), "--gen", str(args.pps),
            "--rpc-dir", rpc_dir, "--vnic-dir", vnic_dir, "--stats-json", stats_json]
    proc = DpdkProc("sluice", argv, PREFIX, log_path)
    proc.start()
    try:
        proc.wait_ready(0, 30)
        tap_setup(proc)
    except StartError as e:
        log("%s\n%s" % (e, e.log_tail))
        return 2
    rpc = Rpc(os.path.join(rpc_dir, "admin.sock"))
    churn = Churn(rpc)
    faults = Faults(rpc)
    cam = Camera(args.fps)
    guests = Guests(os.path.join(vnic_dir, "vm1.sock"))
    log("running %.1f min: gen %d pps, %.0f NPU frames/s, %.0f changes/s, npu faults %s, "
        "a guest session every %.1f s" % (args.minutes, args.pps, args.fps, args.churn_hz,
                                          "every %.0f s" % args.fault_every if faults.available
                                          else "not available", args.guest_every))

    t0 = time.monotonic()
    end = t0 + args.minutes * 60
    samples = [sample(proc)]
    samples[0]["s"] = 0.0
    next_sample = t0 + args.sample
    next_churn = t0
    next_fault = t0 + args.fault_every
    next_guest = t0 + 1.0
    nfault = 0
    failed = None
    while time.monotonic() < end:
        if not proc.alive():
            failed = "sluice exited early with status %s" % proc.proc.returncode
            break
        now = time.monotonic()
        cam.tick()
        while now >= next_churn:
            churn.step()
            next_churn += 1.0 / args.churn_hz
        if faults.available and now >= next_fault:
            faults.inject(nfault)
            nfault += 1
            next_fault += args.fault_every
        if now >= next_guest:
            guests.session()
            next_guest += args.guest_every
        if now >= next_sample:
            s = sample(proc)
            s["s"] = round(now - t0, 1)
            s["cam_results"] = cam.results
            samples.append(s)
            log("%6.0f s  rss %d kB  fds %d  mbufs in use %d  changes %d  frames %d results %d  "
                "guest sessions %d" % (s["s"], s["rss_kb"], s["fds"], s["mbufs_in_use"], churn.ok,
                                       cam.sent_frames, cam.results, guests.n))
            next_sample += args.sample
        time.sleep(0.005)
    # Finish the churn cycle so the configuration is back to the file's.
    while churn.n % 8:
        churn.step()
    # Results of the last frames: bounded wait until the bridge has nothing queued.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        cam.drain()
        npu = proc.tel.query("/sluice/npu") or {}
        c = npu.get("cam/digits", {})
        done = (c.get("frames_inferred", 0) + c.get("frames_errors", 0) + c.get("frames_refused", 0)
                + c.get("frames_incomplete", 0) + c.get("frames_timed_out", 0))
        if done >= cam.sent_frames and cam.results >= c.get("results_sent", 0):
            break
        time.sleep(0.05)
    cam.drain()
    last = sample(proc)
    last["s"] = round(time.monotonic() - t0, 1)
    last["cam_results"] = cam.results
    samples.append(last)
    rpc.close()
    popen = proc.proc
    proc.stop(30)
    rc = popen.returncode
    report = build_report(args, samples, stats_json, log_path, churn, faults, cam, failed, guests)
    report["exit_status"] = rc
    with open(log_path, errors="replace") as fh:
        report["mbufs_back_at_exit"] = "sluice: stopped, every mbuf back in its pool\n" in fh
    if rc != 0 or not report["mbufs_back_at_exit"]:
        report["problems"].append("sluice exited with status %s%s" % (
            rc, "" if report["mbufs_back_at_exit"] else ", not saying every mbuf came back"))
        report["ok"] = False
    path = os.path.join(args.out, "soak-%s.json" % stamp)
    with open(path, "w") as fh:
        json.dump(report, fh, indent=1)
    print_report(report)
    print("\nJSON: %s\nsluice log: %s" % (path, log_path))
    return 0 if report["ok"] else 1


def build_report(args, samples, stats_json, log_path, churn, faults, cam, failed, guests):
    r = {"argv": sys.argv, "minutes": args.minutes, "pps": args.pps, "fps": args.fps,
         "churn_hz": args.churn_hz, "samples": samples, "problems": []}
    if failed:
        r["problems"].append(failed)
    warm = next((s for s in samples if s["s"] >= args.warmup), samples[-1])
    r["flat_rule"] = ("last sample vs the first sample at or after %.0f s: RSS within "
                      "max(2 MiB, 2%%), fds within 2, mbufs in use within max(768, 5%%)" % args.warmup)
    for kind in ("rss_kb", "fds", "mbufs_in_use"):
        vals = [s[kind] for s in samples]
        ok, tol = flat(warm[kind], samples[-1][kind], kind)
        r[kind] = {"first": vals[0], "after_warmup": warm[kind], "last": vals[-1],
                   "max": max(vals), "min": min(vals), "tolerance": tol, "flat": ok}
        if not ok:
            r["problems"].append("%s not flat: %d after warm-up, %d at the end (tolerance %g)"
                                 % (kind, warm[kind], vals[-1], tol))
    try:
        with open(stats_json) as fh:
            st = json.load(fh)
    except (OSError, ValueError) as e:
        r["problems"].append("no stats JSON: %s" % e)
        r["ok"] = False
        return r
    gen = gen_stats(log_path)
    ports = st["ports"]
    vnics = st.get("vnics", [])
    rx = sum(p["rx_pkts"] for p in ports) + sum(v["rx_pkts"] for v in vnics)
    tx = sum(p["tx_pkts"] for p in ports) + sum(v["tx_pkts"] for v in vnics)
    drops = {k: v for k, v in st["drops"].items() if v}
    ndrops = sum(drops.values())
    npu = st.get("npu") or {}
    ctxs = npu.get("contexts", npu) if isinstance(npu, dict) else {}
    if isinstance(ctxs, list):
        ctxs = {"%s/%s" % (c.get("tenant"), c.get("name")): c for c in ctxs}
    results_sent = sum(c.get("results_sent", 0) for c in ctxs.values() if isinstance(c, dict))
    # to_npu packets neither refused (npu_* drops) nor bad: taken into NPU memory.
    absorbed = sum(c.get("pkts", 0) - c.get("pkts_bad", 0) - c.get("pkts_refused", 0)
                   for c in ctxs.values() if isinstance(c, dict))
    forwarded = tx - results_sent
    acc = {"rx_all_ports": rx, "forwarded_tx": forwarded, "results_tx": results_sent,
           "dropped": ndrops, "into_npu": absorbed,
           "gap": rx - forwarded - ndrops - absorbed, "drops": drops,
           "ports": ports}
    if acc["gap"]:
        r["problems"].append("packets unaccounted: rx %d - forwarded %d - dropped %d - into NPU %d = %d"
                             % (rx, forwarded, ndrops, absorbed, acc["gap"]))
    if gen:
        gport = ports[-1]  # gen0 is created last
        cam_pkts = gen.get("cameras", {}).get("pkts", 0)
        acc["gen0"] = dict(gen, received=gport["rx_pkts"],
                           in_flight=gen["offered"] + cam_pkts - gport["rx_pkts"])
        if acc["gen0"]["in_flight"]:
            r["problems"].append("gen0 offered %d (+ %d camera packets) but the workers received %d: "
                                 "%d left in its RX ring at the stop"
                                 % (gen["offered"], cam_pkts, gport["rx_pkts"], acc["gen0"]["in_flight"]))
    else:
        r["problems"].append("no gen0 line in the sluice log")
    r["packets"] = acc
    senders = {"cam/digits": ("the soak's camera on the tap", cam.sent_frames, cam.results)}
    gcam = (gen or {}).get("cameras")
    if gcam and gcam["cameras"]:
        # gen0's cameras: one per to_npu rule; soak.yaml has one (gencam/digits).
        senders["gencam/digits"] = ("gen0's camera", gcam["frames"], gcam["results"])
    r["npu_frames"] = {}
    for key, (who, sent, received) in senders.items():
        c = ctxs.get(key, {})
        nf = {"sender": who, "sent": sent, "results_received": received}
        for k in ("frames_in", "frames_refused", "frames_complete", "frames_incomplete",
                  "frames_timed_out", "frames_inferred", "frames_errors", "frames_cancelled",
                  "results_sent", "results_dropped", "pkts", "pkts_bad", "op_timeouts",
                  "late_completions"):
            nf[k] = c.get(k, 0)
        nf["asm"] = {k: v for k, v in c.get("asm", {}).items() if v}
        nf["gap"] = (sent - nf["frames_inferred"] - nf["frames_errors"] - nf["frames_refused"]
                     - nf["frames_incomplete"] - nf["frames_timed_out"] - nf["frames_cancelled"])
        if nf["gap"]:
            r["problems"].append(
                "%s: NPU frames unaccounted: %s sent %d - inferred %d - failed %d - refused %d - "
                "incomplete %d - timed out %d - cancelled %d = %d (packets refused by the "
                "assembler: %s)" % (key, who, sent, nf["frames_inferred"], nf["frames_errors"],
                                    nf["frames_refused"], nf["frames_incomplete"],
                                    nf["frames_timed_out"], nf["frames_cancelled"], nf["gap"],
                                    nf["asm"] or "none"))
        if nf["results_sent"] != received:
            r["problems"].append("%s: NPU results: sluice sent %d, %s received %d"
                                 % (key, nf["results_sent"], who, received))
        r["npu_frames"][key] = nf
    # Alive to the end: the camera's context answered within the last minute.
    end_s = samples[-1]["s"]
    before = [x for x in samples if "cam_results" in x and x["s"] <= end_s - 60]
    if before and samples[-1]["cam_results"] == before[-1]["cam_results"]:
        r["problems"].append("cam/digits: no result since %.0f s (%d results then and at the "
                             "end): the context stopped answering"
                             % (before[-1]["s"], before[-1]["cam_results"]))
    r["camera_status"] = cam.result_status
    r["churn"] = {"changes": churn.n, "done": churn.ok, "by_method": churn.by_method,
                  "refused": churn.refused}
    if churn.refused:
        r["problems"].append("configuration changes refused: %s" % churn.refused)
    r["npu_faults"] = ({"injected": faults.sent, "refused": faults.refused, "params": faults.params}
                       if faults.available else "not available")
    vm1 = next((v for v in vnics if v["vnic"] == "vm1"), {"rx_pkts": -1})
    r["guest_reconnects"] = {"sessions": guests.n, "well_behaved": guests.good,
                             "malformed": guests.hostile, "frames_sent": guests.sent,
                             "frames_taken": guests.taken, "vnic_rx": vm1["rx_pkts"]}
    r["problems"] += guests.problems
    if vm1["rx_pkts"] != guests.taken:
        r["problems"].append("vNIC vm1 received %d frames, the guests' used rings say %d"
                             % (vm1["rx_pkts"], guests.taken))
    r["ok"] = not r["problems"]
    return r


def print_report(r):
    print("sluice soak: %.1f min, gen0 %d pps, %.0f NPU frames/s, %.0f changes/s"
          % (r["minutes"], r["pps"], r["fps"], r["churn_hz"]))
    print("flat rule: " + r["flat_rule"])
    for kind, unit in (("rss_kb", "kB"), ("fds", ""), ("mbufs_in_use", "")):
        d = r[kind]
        print("  %-13s first %8d  after warm-up %8d  last %8d  max %8d  %s" % (
            kind, d["first"], d["after_warmup"], d["last"], d["max"], "flat" if d["flat"] else "NOT FLAT"))
    p = r.get("packets")
    if p:
        print("packets: rx %d = forwarded %d + dropped %d + into NPU memory %d  (gap %d); NPU results tx %d"
              % (p["rx_all_ports"], p["forwarded_tx"], p["dropped"], p["into_npu"], p["gap"],
                 p["results_tx"]))
        if "gen0" in p:
            g = p["gen0"]
            print("gen0: offered %d + camera packets %d, received by workers %d, in flight at stop %d, "
                  "refused by a full ring (never entered) %d"
                  % (g["offered"], g.get("cameras", {}).get("pkts", 0), g["received"], g["in_flight"],
                     g["refused"]))
        print("drops by reason: " + ", ".join("%s %d" % kv for kv in sorted(p["drops"].items())))
    for key, n in r.get("npu_frames", {}).items():
        print("NPU frames %s (%s): sent %d = inferred %d + failed %d + refused %d + incomplete %d "
              "+ timed out %d + cancelled %d (gap %d); results sent %d, received %d"
              % (key, n["sender"], n["sent"], n["frames_inferred"], n["frames_errors"],
                 n["frames_refused"], n["frames_incomplete"], n["frames_timed_out"],
                 n["frames_cancelled"], n["gap"], n["results_sent"], n["results_received"]))
    c = r.get("churn", {})
    print("churn: %d changes, %d done, by method %s" % (c.get("changes", 0), c.get("done", 0),
                                                       c.get("by_method")))
    print("npu faults: %s" % (r["npu_faults"] if isinstance(r["npu_faults"], str) else
                              "%d injected, refused %s" % (r["npu_faults"]["injected"],
                                                           r["npu_faults"]["refused"])))
    g = r["guest_reconnects"]
    print("guest sessions: %d (%d well-behaved, %d malformed); frames sent %d, taken %d, "
          "received on the vNIC %d" % (g["sessions"], g["well_behaved"], g["malformed"],
                                        g["frames_sent"], g["frames_taken"], g["vnic_rx"]))
    print("exit: status %s, every mbuf back in its pool: %s"
          % (r.get("exit_status"), "yes" if r.get("mbufs_back_at_exit") else "NO"))
    print("result: %s" % ("PASS" if r["ok"] else "FAIL"))
    for prob in r["problems"]:
        print("  - " + prob)


if __name__ == "__main__":
    sys.exit(main())
